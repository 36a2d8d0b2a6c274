// Package features extracts the 14 features of the FPCluster campaign
// miner (paper §2.2): From, Organization, Received,
// Content-Transfer-Encoding, Content-Type, Date, Mime-Version, To, Subject,
// Reply-To, X-Mailer, X-Mail-From, and two derived from the body, Layout
// and Language.
//
// The package is pure: standard library only, no I/O, no clock, no
// mutable globals. Extract never panics and never drops a message: it
// always appends exactly NumTypes features, in Type order, each Value
// non-empty and at most MaxValue bytes (cut on a UTF-8 boundary). All
// values of one message share one string allocation.
//
// # Why normalise
//
// The FP-tree groups messages by identical <Type, Value> pairs. Spammers
// make each message unique with random tokens, and headers carry
// per-message data (timestamps, ids, relay IPs). A value that differs on
// every message of a campaign splits it, so each feature keeps what the
// spamware fixes for a campaign (format, constant text, tool) and drops
// what varies per message.
//
// # Header parsing
//
// The header block ends at the first empty line (LF or CRLF); lines
// starting with space or tab continue the previous field (RFC 5322
// §2.2.3) and unfold into single spaces. Field names match in any case.
// The first occurrence of a field wins, except Received (all counted).
// Only the first 256 KiB of the header block is indexed. 8-bit bytes are
// kept as they are; RFC 2047 encoded-words (B and Q) are decoded in
// Subject and display names, their bytes kept without charset conversion.
// The sensor's own headers (X-Sensor-*, X-Src-*, X-Dst-*, X-Session-Id,
// X-SMTP-Proto, X-Ehlo, X-Rcpt-To) are never features: mbox.Reader strips
// them into the Envelope, and Extract ignores them if present.
//
// A header the message lacks gives the fixed value Missing, "(none)",
// rather than an absent feature: absence is itself a trait of the
// spamware, shared by the whole campaign, and a fixed arity keeps the
// tree's paths comparable.
//
// # Masking
//
// Free text (Subject, Organization, X-Mailer, display names, boundaries)
// is masked: whitespace collapsed, ASCII lower-cased (case randomisation
// is an obfuscation), and each ASCII alphanumeric run that varies per
// message replaced: digits only → "#"; letters and digits mixed → "*";
// letters only but random-looking → "*" (25+ letters, 6+ consonants in a
// row, case flipping 3+ times, or 8+ hex letters). Placeholders joined
// only by punctuation merge ("$19.99" → "$#", "a8-k2" → "*"). So
// "Best Buy Viagra Online xkqwpz" and "… a7f3k2" both give
// "best buy viagra online *". A purely numeric suffix gives "#" instead:
// digits are kept apart from "*" so prices and counts stay readable.
//
// # Per-feature normal forms
//
//   - From, Reply-To: "<masked display name>|<local shape>@<domain>". The
//     local part's alphanumeric runs become a (letters), 0 (digits), x
//     (mixed), punctuation kept: "john.smith" → "a.a". The domain is
//     lower-cased and cut to its registrable part: two labels, three
//     under a two-letter ccTLD with a short second level ("foo.com.br").
//     Random local parts and host names vary per message; the format and
//     the sending domain do not. Without an '@': "!" + masked value.
//   - To: "<count bucket>;<form>". The recipients differ by design inside
//     a campaign, so only their number (1, 2-3, 4-7, 8+) and how the first
//     one is written stay: "addr" (bare), "<addr>", "name <addr>",
//     "\"name\" <addr>", "addr (name)"; a value without '@' is
//     "0;!<masked value>" ("0;!undisclosed-recipients:;"), an empty one
//     "(empty)". Neither the
//     recipient's domain nor the shape of its local part or display name
//     is kept: they are the victim's. On the planted stream of miner/eval
//     the recipient's TLD, a few frequent values varying inside every
//     campaign, gave B-cubed F1 0.53 instead of 0.86; and in the TREC 2007
//     spams, 59 exact-Subject groups of 30+ messages (taken as campaigns)
//     split about 60/40 between letter and letter-digit local parts ("a"
//     and "x" shapes): the mean share of a group's most common To value
//     was 0.70 with the local-part shape, 0.98 without.
//   - X-Mail-From: the envelope sender (Envelope.MailFrom; else the
//     X-Mail-From header; else Return-Path) as "<local shape>@<domain>",
//     "<>" for the null sender.
//   - Received: the shape of the oldest hop (the last field in header
//     order), the one the spamware writes or the first relay adds. Its
//     words before ';' (the date) are kept only when they are keywords
//     (from, by, via, with, id, for) or the protocol after "with"; any
//     other word becomes ip, host (dotted), addr (with '@') or w; brackets
//     stay. Three things that vary per message or per bot are dropped: the
//     number of hops (in a corpus, the receiving site's relays), the
//     client's HELO name after "from" ("helo": a bot names itself) and the
//     comment after it, the receiver's view of the client (reverse DNS
//     name, "may be forged"), which becomes "([ip])" when it holds an
//     address literal, else "()": "from helo ([ip]) by host (host) with
//     smtp id w for <addr>". In the TREC Subject groups the mean share of
//     the most common Received value rose from 0.39 (with hops, HELO and
//     comment) to 0.88.
//   - Date: the format shape, not the instant nor the zone: day and month
//     names → Www and Mmm, 1-2 digits → 9, longer runs → 9999, a numeric
//     zone → +9999, any other word (a zone name) → Zzz: "Www, 9 Mmm 9999
//     9:9:9 +9999 (Zzz)". The format tells the sending software; the zone
//     is the sending host's, and a botnet's bots sit in many zones (the
//     TREC groups: 8 zones on average, the most common value's share 0.55
//     with zones, 0.97 without).
//   - Content-Type: lower-cased "type/subtype", then ";charset=<cs>" and
//     ";boundary=<masked boundary>" when present; other parameters
//     dropped. The boundary's random part is masked, its generator's
//     constant frame stays: "----=_nextpart_*". In a boundary a run of 4 or
//     more hex digits is random even when it holds only letters ("DFAF").
//   - Content-Transfer-Encoding: the first token, lower-cased.
//   - Mime-Version: verbatim, whitespace collapsed ("1.0" or a mailer's
//     constant comment); "(empty)" for an empty value.
//   - Subject, Organization, X-Mailer: masked text (Subject decoded first).
//
// # Layout
//
// The body's structure as one string. A multipart is its subtype with its
// parts in parentheses (at most 8 listed, then "+"; nesting followed 4
// deep); a text/plain leaf is "plain[l=<lines>]", lines bucketed 0, 1-3,
// 4-15, 16-63, 64+; a text/html leaf "html[a=<links>,img=<images>]",
// counts bucketed 0, 1, 2-3, 4-7, 8+, plus ",form" and ",script" when
// those tags occur; any other leaf its media type. A base64 or
// quoted-printable leaf gets ".b64" or ".qp" after its name; base64 text
// is decoded (first 32 KiB) before counting. A multipart without a
// boundary is "<type>[nobound]". A message without Content-Type is
// text/plain (RFC 2045 §5.2). Only the first MiB of the body is read.
// Example: "alternative(plain[l=4-15],html.qp[a=2-3,img=1])".
//
// # Language
//
// A BCP 47 primary subtag or "und", from the first text/plain part (else
// the first text/html part, tags, style and script contents and entities
// removed), its first KiB. Kana → ja, Hangul → ko, Han → zh, Cyrillic →
// ru, counted in UTF-8; text in a legacy CJK or Cyrillic charset
// (koi8-r, windows-1251, gb2312, big5, shift_jis, iso-2022-jp, euc-kr, …)
// takes the charset's language. Latin-script text is scored by stopword
// hits for en, pt, es, de, fr, it; the best wins with at least 3 hits and
// a 25% lead over the second, else "und". A word is a run of letters
// between non-alphanumeric bytes: runs joined to digits ("a8de7x") and
// URLs (from "http" or "www." to the next space) are skipped, since their
// random letters hit short stopwords ("de", "la", "os") and made one
// campaign's messages flip between a language and "und".
//
// # Closed features
//
// Content-Transfer-Encoding, Mime-Version, Date, To and Language have
// normal forms with a handful of values shared by all kinds of spam
// (Type.Closed). They describe a format, never one campaign: the miner's
// specificity rule (miner/fptree, "Added rules") does not let them make a
// campaign's defining set specific.
package features
