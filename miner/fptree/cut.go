package fptree

// Paper figures (section 2.2 and table 1): f_c = 1000 for a day of, on
// average, 11,779,347 messages.
const (
	PaperCut    = 1000
	PaperVolume = 11_779_347
	// MinAutoCut is the smallest cut AutoCut returns: below it a shared
	// prefix is as likely coincidence (a common mailer, one bot's retries)
	// as a campaign.
	MinAutoCut = 10
)

// AutoCut is the cut frequency for a window of n messages: the paper's
// f_c = 1000 per 11,779,347 messages scaled linearly with the window's
// volume, rounded up, and never below MinAutoCut:
//
//	AutoCut(n) = max(MinAutoCut, ceil(n * 1000 / 11779347))
//
// So a campaign must hold the same share of the window (about 0.0085%) as in
// the paper, except that small windows still need MinAutoCut messages.
func AutoCut(n int) int {
	if n <= 0 {
		return MinAutoCut
	}
	c := (int64(n)*PaperCut + PaperVolume - 1) / PaperVolume
	return int(max(c, MinAutoCut))
}
