package features

import "unicode/utf8"

// Languages the identifier tells apart, as bits of a stopword's mask.
const (
	lEN = 1 << iota
	lPT
	lES
	lDE
	lFR
	lIT
	numLatin = 6
)

var latinCodes = [numLatin]string{"en", "pt", "es", "de", "fr", "it"}

// stopwords maps a frequent function word, lower-case, to the languages
// it belongs to. Read only.
var stopwords = map[string]uint8{
	"the": lEN, "and": lEN, "of": lEN, "to": lEN, "is": lEN, "you": lEN, "your": lEN,
	"for": lEN, "that": lEN, "this": lEN, "with": lEN, "are": lEN, "on": lEN, "be": lEN,
	"it": lEN, "have": lEN, "from": lEN, "our": lEN, "will": lEN, "not": lEN, "we": lEN,
	"can": lEN, "at": lEN, "by": lEN, "all": lEN, "was": lEN, "has": lEN, "get": lEN, "or": lEN,
	"an": lEN, "if": lEN, "they": lEN, "more": lEN, "now": lEN, "which": lEN, "would": lEN,

	"que": lPT | lES | lFR, "de": lPT | lES | lFR, "não": lPT, "nao": lPT, "uma": lPT,
	"para": lPT | lES, "com": lPT, "você": lPT, "voce": lPT, "seu": lPT,
	"mais": lPT | lFR, "como": lPT | lES | lIT, "por": lPT | lES, "os": lPT, "dos": lPT,
	"das": lPT | lDE, "do": lPT, "da": lPT | lIT, "em": lPT, "no": lPT | lES, "na": lPT,
	"é": lPT, "são": lPT, "ao": lPT, "foi": lPT, "está": lPT | lES, "muito": lPT,
	"também": lPT, "pelo": lPT, "pela": lPT, "ou": lPT | lFR, "mas": lPT, "isso": lPT,
	"o": lPT, "e": lPT | lIT, "um": lPT,

	"el": lES, "la": lES | lFR | lIT, "los": lES, "las": lES, "del": lES | lIT,
	"con": lES | lIT, "una": lES | lIT, "es": lES | lDE, "en": lES | lFR, "y": lES,
	"su": lES, "sus": lES, "más": lES, "pero": lES, "usted": lES, "muy": lES,
	"también": lES, "al": lES | lIT, "lo": lES, "se": lES | lFR | lIT | lPT, "le": lFR | lIT,
	"este": lES | lPT, "esta": lES | lPT, "si": lES | lIT, "ya": lES, "hay": lES,

	"der": lDE, "die": lDE, "und": lDE, "ist": lDE, "nicht": lDE, "sie": lDE, "ich": lDE,
	"mit": lDE, "den": lDE, "dem": lDE, "ein": lDE, "eine": lDE, "zu": lDE, "auf": lDE,
	"für": lDE, "von": lDE, "sich": lDE, "wir": lDE, "auch": lDE, "werden": lDE,
	"bei": lDE, "oder": lDE, "wie": lDE, "sind": lDE, "ihr": lDE, "ihre": lDE, "noch": lDE,
	"im": lDE, "nur": lDE, "kann": lDE, "haben": lDE, "wird": lDE, "aus": lDE, "einen": lDE,

	"les": lFR, "des": lFR, "et": lFR, "est": lFR, "un": lFR | lIT, "une": lFR,
	"pour": lFR, "qui": lFR, "dans": lFR, "du": lFR, "pas": lFR, "vous": lFR,
	"votre": lFR, "nous": lFR, "sur": lFR, "avec": lFR, "ce": lFR, "cette": lFR,
	"sont": lFR, "aux": lFR, "plus": lFR, "je": lFR, "il": lFR | lIT, "être": lFR, "à": lFR,

	"di": lIT, "che": lIT, "è": lIT, "per": lIT, "non": lIT | lFR, "sono": lIT,
	"della": lIT, "delle": lIT, "gli": lIT, "ma": lIT, "anche": lIT, "questo": lIT,
	"più": lIT, "nel": lIT, "alla": lIT, "ci": lIT, "ha": lIT, "dei": lIT, "essere": lIT,
	"molto": lIT, "tutti": lIT, "suo": lIT, "sua": lIT | lPT, "loro": lIT,
}

// swTable holds stopwords in an open-addressing table (a quarter full),
// faster than the map for the short words it is asked about. Built once;
// read only.
var swTable = func() (t [swSlots]struct {
	w string
	m uint8
}) {
	for w, m := range stopwords {
		i := swHash([]byte(w))
		for t[i].w != "" {
			i = (i + 1) & uint32(len(t)-1)
		}
		t[i].w, t[i].m = w, m
	}
	return t
}()

const swSlots = 1024

// maxStopword is the longest stopword, in bytes ("também", "también").
const maxStopword = 8

func swHash(w []byte) uint32 {
	n := len(w)
	h := uint32(n)*0x9e3779b1 ^ uint32(w[0])*0x85ebca6b ^ uint32(w[n-1])*0xc2b2ae35 ^ uint32(w[n/2])*0x27d4eb2f
	return (h ^ h>>15) & (swSlots - 1)
}

// stopword returns the languages of w when it is a stopword.
func stopword(w []byte) (uint8, bool) {
	if len(w) == 0 || len(w) > maxStopword {
		return 0, false
	}
	for i := swHash(w); ; i = (i + 1) & (swSlots - 1) {
		e := &swTable[i]
		if e.w == "" {
			return 0, false
		}
		if e.w == string(w) {
			return e.m, true
		}
	}
}

// identify returns the language of text, a BCP 47 primary subtag, or
// "und". Non-Latin scripts are told by their code points in UTF-8 (kana:
// ja, Hangul: ko, Han without kana: zh, Cyrillic: ru) or, in a legacy
// charset, by the charset itself when the text has many 8-bit bytes;
// Latin-script languages by counting stopwords.
func identify(text, charset []byte) string {
	if len(text) > maxLangText {
		text = text[:maxLangText]
	}
	var cyr, han, kana, hangul, high, letters int
	var scores [numLatin]int
	var word [24]byte
	wn, wide := 0, false
	flush := func() {
		if wn > 0 && !wide {
			if m, ok := stopword(word[:wn]); ok {
				for i := range numLatin {
					if m&(1<<i) != 0 {
						scores[i]++
					}
				}
			}
		}
		wn, wide = 0, false
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c == 'h' && hasPrefixFold(text[i:], "http") || c == 'w' && hasPrefixFold(text[i:], "www.") {
			// A URL's letters are no words: its random path would score
			// stopwords ("…/a8de7x" holds "de").
			flush()
			for i < len(text) && !isSpace(text[i]) && text[i] != '"' && text[i] != '<' && text[i] != '>' {
				i++
			}
			continue
		}
		if c < 0x80 {
			if isDigit(c) {
				wide = true // a word with digits is a token, not a stopword
				i++
				continue
			}
			if isAlpha(c) {
				letters++
				if wn < len(word) {
					word[wn] = lower(c)
					wn++
				} else {
					wide = true
				}
			} else {
				if c == 0x1b { // ISO 2022 escape: a 7-bit CJK encoding
					high += 4
				}
				flush()
			}
			i++
			continue
		}
		high++
		r, n := utf8.DecodeRune(text[i:])
		switch {
		case r == utf8.RuneError:
			n = 1
		case r >= 0x0400 && r <= 0x04FF:
			cyr++
		case r >= 0x3040 && r <= 0x30FF:
			kana++
		case r >= 0x4E00 && r <= 0x9FFF:
			han++
		case r >= 0xAC00 && r <= 0xD7AF:
			hangul++
		}
		if r >= 0xC0 && r < 0x250 && r != 0xD7 && r != 0xF7 { // Latin letters with diacritics
			letters++
			if wn+n <= len(word) {
				copy(word[wn:], text[i:i+n])
				wn += n
			} else {
				wide = true
			}
		} else {
			flush()
		}
		i += n
	}
	flush()

	switch {
	case kana >= 5:
		return "ja"
	case hangul >= 5:
		return "ko"
	case han >= 5:
		return "zh"
	case cyr >= 10 && cyr*2 > letters:
		return "ru"
	}
	if high >= 20 && high*2 > letters {
		switch charsetScript(charset) {
		case "ru", "zh", "ja", "ko":
			return charsetScript(charset)
		}
	}
	best, second := -1, 0
	for i, s := range scores {
		if best < 0 || s > scores[best] {
			if best >= 0 {
				second = scores[best]
			}
			best = i
		} else if s > second {
			second = s
		}
	}
	if scores[best] >= 3 && scores[best] > second+second/4 {
		return latinCodes[best]
	}
	return "und"
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && equalFold(b[:len(prefix)], prefix)
}

// charsetScript maps a legacy charset to the language it implies.
func charsetScript(cs []byte) string {
	var low [24]byte
	if len(cs) > len(low) {
		return ""
	}
	for i, c := range cs {
		low[i] = lower(c)
	}
	switch string(low[:len(cs)]) {
	case "koi8-r", "koi8-u", "windows-1251", "cp1251", "iso-8859-5":
		return "ru"
	case "gb2312", "gbk", "gb18030", "big5", "hz-gb-2312", "euc-cn":
		return "zh"
	case "shift_jis", "shift-jis", "sjis", "euc-jp", "iso-2022-jp", "cp932":
		return "ja"
	case "euc-kr", "ks_c_5601-1987", "iso-2022-kr":
		return "ko"
	}
	return ""
}
