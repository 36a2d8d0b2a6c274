// Package eval is the labelled evaluation of the campaign miner
// (miner/mine, FPCluster): a generator of planted campaigns, the B-cubed
// scorer and two baselines to compare against.
//
// # The benchmark
//
// Generate writes a deterministic mboxrd stream (math/rand/v2 seeded by the
// caller) of GenConfig.Campaigns planted campaigns plus one-off spams, and
// returns each message's true label. A campaign is a template: a language
// (en, pt, es, de, fr, it, ru, zh, ja), a subject pattern (fixed phrases
// around a random-token slot: a random word from a short list, an
// alphanumeric token or a number; a quarter of the campaigns rotate among
// 3-6 such phrases), a sender pattern (display name, for a third of them
// drawn per message as a first name and an initial; shape of a random local
// part; a fixed domain or, for some campaigns, a random domain per
// message), a mailer (X-Mailer or none), a Received chain of 1-3 hops, a
// Date format, a Message-ID form, and a body layout (text/plain or
// multipart/alternative with a random boundary, fixed sentences with
// random names, URLs and numbers, sometimes a hash-buster line of random
// words). Half the campaigns are a single host with one time zone; the
// other half are botnets, each message dated in its bot's zone, a third of
// them faking one of 2-4 mailers per message. Recipients are random local
// parts at the sensor's domains, shaped like real ones (letters, letters
// and digits, first.last). Campaign sizes are log-uniform in [MinSize,
// MaxSize]; each campaign lasts 1-10 days inside a 30-day period and its
// messages' Dates are uniform in its span. One-off spams (OneOffFraction
// of the total) each get a template of their own and the label "".
// Messages are written in Date order, as a spool would hold them.
//
// The per-message variation (zones, recipients, rotating subjects, random
// names, mailers) follows what varies inside the TREC 2007 spam half's
// campaigns: in its 59 exact-Subject groups of 30+ messages the Date zone
// varies in 38, the recipient's local-part shape in all, the X-Mailer in
// 17, the From value in 54 (60 distinct values per group on average), and the
// largest campaigns the miner finds there rotate 5-10 subjects.
//
// # Scoring
//
// BCubed is the B-cubed precision, recall and F1 (Bagga & Baldwin 1998;
// Amigó et al. 2009) over messages: for each message, precision is the
// share of its predicted cluster that shares its true label and recall the
// share of its true cluster found in its predicted cluster, both averaged
// over messages. An empty label, true or predicted, is a singleton: a
// one-off spam is its own cluster, and a message the miner leaves out of
// every campaign is its own prediction.
//
// # Baselines
//
//   - ExactSubject: messages with an identical raw Subject header value
//     (first Subject field, unfolded, surrounding space trimmed) are one
//     cluster; a message without Subject is a singleton.
//   - Ssdeep: SHIVA-style fuzzy hashing. The ssdeep (CTPH) digest of each
//     message body (everything after the header block) is compared with
//     the representatives (first members) of the clusters so far, in
//     creation order; the message joins the first whose score is at least
//     the threshold, else it founds a new cluster. DefaultSsdeepThreshold
//     is 70. Only representatives sharing a 7-character run of their
//     digest at a comparable block size are scored: ssdeep scores any
//     other pair 0, so this index is exact and bounds the work. Bodies
//     shorter than ssdeep's 4 KiB minimum are hashed anyway
//     (ssdeep.Force), since spam bodies are mostly short.
package eval
