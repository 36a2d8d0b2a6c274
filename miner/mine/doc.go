// Package mine is the campaign miner's driver: it turns mbox inputs into
// spam campaigns, wiring spool/mbox (reading), miner/features (the 14
// features of a message) and miner/fptree (per-window FP-tree, cut and
// merge) together. It owns input decoding, windowing, the parallelism and
// the output files; the algorithm itself lives in fptree.
//
// # Pipeline
//
//  1. One goroutine reads the inputs sequentially, in the order given, as
//     mboxrd (mbox.Reader). Compression is recognised by content: zstd
//     and gzip magic bytes (which is what the .zst and .gz extensions
//     promise); anything else is plain text.
//  2. Workers (Config.Workers) extract each message's features and its
//     time: Envelope.SensorTime when set, else the Date header parsed by
//     net/mail.ParseDate when plausible (1990-2099, and within a week of
//     the From_ line's receipt time when there is one: senders forge it),
//     else the asctime date at the end of the mbox From_ line (read as
//     UTC), else none ("undated").
//  3. One collector, taking the workers' batches back in input order,
//     assigns each message to its window (its time truncated to
//     Config.Window, in UTC; undated messages share one window) and interns
//     its ⟨type, value⟩ pairs into that window's own fptree.Interner, then
//     adds them to the window's fptree.Builder. Interning in input order
//     makes item ids, hence trees and cuts, deterministic. Per message only
//     its items (inside the Builder), its window, its time and later its
//     campaign are kept; message bodies are dropped once extracted.
//  4. Windows are built and cut in parallel (Workers at a time), each at
//     Config.Cut or, when 0, fptree.AutoCut of its message count; the cut
//     is also the Build's minSupport.
//  5. Each window's campaign items are brought into one global Interner
//     (fptree.Reintern) and fptree.Merge groups equal item sets across
//     windows. Merged campaigns are ranked by size (ties: first
//     appearance) and named "c" + 5-digit rank: c00001 is the largest.
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
package mine
