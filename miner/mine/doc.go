// Package mine is the campaign miner's driver: it turns mbox inputs into
// spam campaigns, wiring spool/mbox (reading), miner/features (the 14
// features of a message) and miner/fptree (per-window FP-tree, cut and
// merge) together. It owns input decoding, windowing, the parallelism and
// the output files; the algorithm itself lives in fptree.
//
// # Pipeline
//
//  1. One goroutine reads the inputs sequentially, in the order given, and
//     cuts the byte stream into chunks of about 1 MiB of whole mboxrd
//     entries (split.go) without parsing them: an entry starts at a line
//     "From " that begins the input or follows an empty line, exactly where
//     spool/mbox.Reader starts one, and an entry larger than
//     Config.MaxEntry is skipped as Reader skips it. Compression is
//     recognised by content: zstd and gzip magic bytes (which is what the
//     .zst and .gz extensions promise); anything else is plain text.
//     Decompression stays on this goroutine (a zstd frame decodes
//     sequentially); the chunks' buffers are pooled.
//  2. Workers (Config.Workers) parse the entries of a chunk with
//     mbox.Reader, so entry parsing runs in parallel, and extract each
//     message's features and its time, kept in microseconds:
//     Envelope.SensorTime when set, else the Date header parsed as
//     net/mail.ParseDate does (date.go: a fast path for the common
//     "[Www, ]D Mmm YYYY HH:MM[:SS] +hhmm" form, 96% of the TREC corpus,
//     giving the same instant and verdict, else net/mail) when plausible
//     (1990-2099, and within a week of the From_ line's receipt time when
//     there is one: senders forge it), else the asctime date at the end of
//     the mbox From_ line (read as UTC), else none ("undated"). They also
//     read the facts the analyses need: its size, raw Subject, source IP
//     and, from a sensor's envelope, X-Src-CC and X-Src-ASN.
//  3. One collector, taking the workers' chunks back in input order,
//     assigns each message to its window (its time truncated to
//     Config.Window, in UTC; undated messages share one window) and interns
//     its ⟨type, value⟩ pairs into that window's own fptree.Interner, then
//     adds them to the window's fptree.Builder. Interning in input order
//     makes item ids, hence trees and cuts, deterministic. Per message only
//     its items (inside the Builder), its window, its time and later its
//     campaign are kept; message bodies are dropped once extracted.
//  4. Windows are built and cut in parallel (Workers at a time), each at
//     Config.Cut or, when 0, fptree.AutoCut of its message count; the cut
//     is also the Build's minSupport. The cut is fptree.CutRules with both
//     added rules (Config.NoVariants and Config.Specific turn them off;
//     fptree's doc gives their reasons and measured effects); a missing
//     header's "(none)", an "(empty)" value and the values of closed
//     features (features.Type.Closed) never make a campaign specific.
//  5. Each window's campaign items are brought into one global Interner
//     (fptree.Reintern) and fptree.Merge groups equal item sets across
//     windows. Merged campaigns are ranked by size (ties: first
//     appearance) and named "c" + 5-digit rank: c00001 is the largest.
//  6. Each campaign's facts (first/last seen, days, D(c), bursts at
//     Config.IATMax, bytes, top Subjects, source IPs, countries, ASNs,
//     samples) come from one pass over its messages.
//
// # Memory and speed
//
// Per message the Result keeps, besides its items until the cut, 36
// bytes of columns (input, campaign, time, size, and ids of its Subject,
// source IP, country and ASN in four Interners), plus each distinct
// Subject (at most MaxSubject bytes) and IP once. Result.Columns hands
// them to miner/report. A window's fptree.Builder holds about 2 bytes per
// item (uvarint deltas) and 4 per message until its Build. On miner/eval's
// sensor-like load (eval.WriteLoad, TestLoad) the live heap grows about
// 200 bytes a message, a third of it the Result's raw Subjects and the
// window's distinct values; the Go runtime's default GC target lets the
// heap reach twice the live set, so run a day of 12M messages with a
// memory limit (GOMEMLIMIT=3500MiB: 3.4 GiB peak RSS, against 4.4 GiB
// without). The figures per size are in ../README.md.
//
// # Out of core
//
// Config.SpillBytes > 0 bounds what the windows' transactions take in
// memory, for windows larger than memory (spill.go). Each window then
// counts its items' frequencies as they are added (4 bytes per distinct
// value) and appends each message's sorted item ids, encoded as the
// Builder encodes them (a count, then uvarint gaps: about 30 bytes), to a
// buffer; when all buffers together exceed SpillBytes, the largest are
// appended to their window's file until half the budget is free. A file
// is opened for each append and closed, so reading holds none open. When
// a window is built (Workers at a time), fptree.NewRanking turns its
// frequencies into the tree's item order; its file, then its buffer, is
// read in sequence, each message ranked (pruned below minSupport) into a
// sort buffer of SpillBytes/Workers bytes, sorted in
// fptree.CompareRanks order (rank sequence, then message index: the
// order Build inserts in) and written as a run. The runs are merged, at
// most 32 at a time (more runs take merge passes, each one file more),
// and the merged stream is inserted into an fptree.Inserter, which
// holds only the tree (12 bytes a node and 4 a message). Cut, the N(f)
// curve and Fig. 1's tree read the Tree as before, so every output is
// the same bytes as in memory (TestOutOfCore checks the generated
// streams and the TREC corpus at budgets that spill on every few
// messages). A window that never spilled is sorted in memory in one
// piece, as Build does.
//
// What stays in memory: the Result's columns, about 20 bytes per message
// (X-Src-CC and X-Src-ASN take none until a message has one; a window's
// message indexes are kept as runs, 8 bytes a run), which the campaign
// facts and miner/report read at random; the Interners (each window's
// distinct values and the IPs), which give items their ids in input
// order; each window's frequencies; and the trees, pruned at f_c. The raw
// Subjects are not kept: each distinct one gets its id in input order
// from a 96-bit key (16 bytes or so), its bytes are appended to a file,
// and only the campaigns' top Subjects are read back after the cut
// (spillstr.go). Run
// makes one directory in Config.SpillDir (default os.TempDir()) and
// removes it, with every file, before it returns, on success, error or
// cancellation (spampots mine cancels on SIGINT and SIGTERM); a file is
// removed as soon as it is read. A write error (a full disk) fails the
// run. The figures for miner/eval's load are in ../README.md.
//
// On the TREC corpus a run costs about 0.9 CPU-seconds: zstd decoding
// about 0.29, on the reading goroutine (the corpus's 128 MiB window makes
// the decoder hold 256 MiB), mbox.Reader about 0.16 (it copies each entry
// twice; parsing the entries in place would save about 12%), feature
// extraction about 0.27, the rest Run's own and the runtime's.
//
// # Source IP
//
// A message captured by a sensor (its mbox entry has the sensor header
// block) comes from its X-Src-IP, the address that connected to the
// sensor; its Received fields, all written by the spammer, are ignored.
// Any other message (a corpus, a mailbox) comes from the client IP of the
// first untrusted hop of its Received chain: walking the fields from the
// top (newest), a hop is trusted, i.e. inside the receiving site, when its
// client IP is not globally routable (private, loopback, link-local) or
// when the site's reverse DNS name for it lies in the site's domain (the
// top field's "by" host without its first label: speedy.uwaterloo.ca
// gives uwaterloo.ca). The client IP is the bracketed literal of the
// "from" clause ("(name [1.2.3.4])", "[IPv6:...]"), else a parenthesised
// bare address (qmail's "(1.2.3.4)"); the HELO name is never believed.
// Fields below the first untrusted hop may be forged and are not read.
// On the TREC 2007 spam half this gives an IP for all but 7 of 26,698
// messages and never one of the receiving site's own relays.
//
// # Analyses support
//
// Config.CutCurve cuts every window's tree again at each f for N(f)
// (Result.Curve), building trees with minSupport min(f_c, smallest f) so
// each count is exact; Config.TreeNodes keeps the top of the largest
// window's tree (Result.Tree) for a drawing like the paper's Fig. 1; both
// leave the campaigns unchanged. Config.Progress exposes the bytes and
// messages read and the windows mined to a progress display.
//
// # Nothing vanishes
//
// Every entry the reader delimits is a message with an index in its input
// (0-based) and a row in assignments.tsv, campaign or not. An entry larger
// than mbox.DefaultMaxEntry is counted as bad ("too_large") and assigned
// to no campaign; empty messages ("empty") and messages whose first line
// is not a header field ("no_headers") are counted as bad too but mined
// like any other. A read error (e.g. a truncated zstd stream) ends that
// input only: the messages read before it are kept and the error is
// reported in Summary.InputErrors; an input that cannot be opened is
// reported the same way. Neither is fatal.
//
// # Outputs (Result.WriteDir)
//
//   - campaigns.jsonl: one Campaign object per merged campaign, by rank.
//   - assignments.tsv: header "input\tn\tcampaign", then one row per
//     message in input order; campaign is empty for none.
//   - summary.json: the Summary.
//
// Their fields are listed in ../README.md with the report's files
// (miner/report). All but summary.json's "seconds" are deterministic.
package mine
