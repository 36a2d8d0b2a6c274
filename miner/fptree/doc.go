// Package fptree is the core of the campaign miner: FPCluster, the
// frequent-pattern tree of one window's messages and its cut into spam
// campaigns, and the merge of campaigns across windows
// (../../../shared/seeds/campaigns-paper-pt.txt, sections 2.2 and 2.3).
// It is pure: standard library only, no I/O, no clock, no goroutines.
// Feature extraction, normalisation (e.g. dropping the random token of
// "Best Buy Viagra Online [random]"), windowing and running windows in
// parallel belong to the caller.
//
// # Algorithm (section 2.2)
//
// A message is the set of its ⟨feature type, value⟩ pairs, each interned as an
// Item (Interner). Per window (a day by default):
//
//  1. Builder.Add collects each message's items, duplicates dropped.
//  2. Builder.Build counts each item's global frequency in the window (the
//     number of messages holding it) and orders every message's items by
//     (frequency desc, item id asc); the id breaks ties so the tree does not
//     depend on the order messages arrive in. The messages are then sorted
//     lexicographically by that sequence and inserted into the FP-tree
//     [Han et al. 2000]; the sort makes insertion a comparison with the
//     previous path, and leaves the nodes in depth-first pre-order. The
//     same steps are exported for a window that does not fit in memory:
//     NewRanking (the order, from frequencies counted elsewhere),
//     Ranking.Ranks, CompareRanks (the sort order) and an Inserter fed
//     the messages in that order, e.g. from an external merge sort
//     (miner/mine's out-of-core path), give the Tree Build gives.
//  3. Tree.Cut(fc) finds the campaigns by the paper's rule alone;
//     Tree.CutRules(fc, rules) adds the two rules below, as miner/mine does.
//
// # Cut rule, as read from the paper
//
// f_n, a node's frequency, is the number of messages in the sub-tree rooted
// at n, i.e. whose path passes through or ends at n. "Any node that has only
// sub-trees with fewer than f_c messages is a cut point and so defines a
// campaign" is implemented as: a node n other than the root is a cut point
// when f_n >= f_c and every child of n has fewer than f_c messages. The
// requirement f_n >= f_c is ours: without it every leaf would be a cut
// point. Then:
//
//   - the campaign's defining set (Campaign.Items) is the set of items on the
//     path from the root to n, sorted by id;
//   - its messages are those of n's sub-tree, Size = f_n;
//   - cut points form an antichain (a cut point's descendants all have
//     f < f_c, its ancestors all have a child with f >= f_c), so every
//     message is in at most one campaign;
//   - a message whose path holds no cut point belongs to no campaign: it
//     branched off a frequent path into a sub-tree with fewer than f_c
//     messages beside a sibling sub-tree that reached f_c, or ended at a node
//     with such a child, or every node on its path has f < f_c. Such
//     messages are noise at this f_c. Messages with no items are in none.
//
// # Added rules (CutRules)
//
// The paper's rule has two failure modes on spam as it is sent, both
// measured on miner/eval's planted streams and on the TREC 2007 spam half
// (26,698 messages, 44 daily windows cut at 10). CutRules adds one rule
// for each; Rules{} turns both off, and Cut is CutRules(fc, Rules{}).
//
// Variant rule. Spamware varies some values inside one campaign among a
// few: a Subject drawn from a list (spintax, or 3-6 whole subjects), an
// envelope sender among two or three domains, a charset or a body layout
// among a handful. Each value is then frequent enough to reach f_c, so
// the paper's rule cuts each as a campaign of its own, and drops the
// campaign's rarer values (children below f_c beside a large sibling) as
// noise. The paper reads a node with many children as a campaign whose
// children are obfuscation (§2.2, "Best Buy Viagra Online [random]"); the
// rule extends that reading from random values to values drawn from a
// short list:
//
//   - a large node n whose large children all have one feature type and
//     are each terminal (the paper's cut points) or variant nodes is a
//     variant node when it has at least two of them, or exactly one
//     holding less than half of f_n while n's own path is specific (so the
//     large child is one frequent value among many rare ones, not the next
//     attribute of the campaign's chain);
//   - the highest variant node on a path is the cut point instead of the
//     nodes below it. Its campaign's Items are its path; the items of the
//     large nodes below it are the Campaign's Variants;
//   - a variant node needs its large children to be terminal or variant
//     nodes: a child that goes on to a chain of its own attributes is a
//     campaign, so different campaigns sharing a prefix are not joined,
//     unless they differ in only one feature and nothing else frequent.
//
// Merge ignores Variants (a campaign's varying values may reach f_c on one
// day and not on another), so a variant campaign merges with the same
// path's campaigns of other days.
//
// Specificity rule. A cut point whose path holds only values that most spam
// shares (a missing header's "(none)", Mime-Version 1.0, an Outlook
// Express X-Mailer, Language en) is not a campaign but a bag of unrelated
// messages that happen to lack anything rarer above f_c: one-offs, and the
// tails of campaigns. On the TREC corpus the paper's rule made such bags
// three of the five largest campaigns. So a cut point makes a campaign only
// when its path is specific: its deepest item not Weak (the rarest on the
// path, since items are inserted by frequency) has at least Specific
// (DefaultSpecific, 0.5) of its window frequency inside the cut point's
// sub-tree: most messages holding the value are in this campaign. The
// caller marks as Weak the values that never identify a campaign (miner/mine:
// missing and empty values, and the closed features whose normal forms take
// a handful of values, see features.Type.Closed). A variant cut point whose
// path is not specific passes when its large children's items together
// have that share (the subjects of a rotating campaign are its own), else
// the cut points below it are judged instead; a terminal cut point that is
// not specific makes no campaign, and its messages none.
//
// Effect, B-cubed F1 on the planted streams of miner/eval (seeds 1, 2, 3,
// and the small stream), with the feature normal forms of miner/features:
// the paper's rule 0.830, 0.727, 0.687, 0.651; variant rule alone 0.958,
// 0.956, 0.948, 0.960 (recall 0.95-0.99, precision 0.91-0.97: one-offs
// absorbed into bags); specificity rule alone 0.833, 0.744, 0.698, 0.656;
// both 0.983, 0.985, 0.986, 0.971 (precision 0.994-1.000). On the TREC
// corpus: the paper's rule 261 campaigns holding 18,263 messages; both
// rules 111 campaigns holding 11,757. The specificity rule drops about 140
// bags defined by Date shape, Mime-Version and Language (their top
// subjects unrelated: QualityStocks, Government Auctions, casino, pills);
// the variant rule joins subject-rotating campaigns (pills, loans, German
// stock spam) and a phishing campaign sent through three envelope domains.
//
// # Pruning
//
// Build(minSupport) drops items held by fewer than minSupport messages. Items
// are ordered by frequency, so such items only form path suffixes whose nodes
// have f <= the item's frequency < minSupport; for any fc >= minSupport no
// cut point, campaign item set, size or membership changes. Cut raises a
// smaller fc to minSupport. Pruning at f_c removes the nodes made by values
// unique per message (Date, Received), usually most of the tree. The added
// rules look only at nodes of at least f_c messages and at the frequencies
// of their items, which pruning keeps, so they are unchanged by it too.
//
// # Choosing f_c
//
// The paper uses f_c = 1000 for days of on average 11,779,347 messages
// (PaperCut, PaperVolume). AutoCut(n) keeps that share of the window:
// max(MinAutoCut, ceil(n*1000/11779347)); MinAutoCut = 10, so a small
// sensor fleet's day of 50,000 messages is cut at 10, not at 4.
//
// # Merge (section 2.3)
//
// Merge groups the campaigns of all windows with equal item sets, whatever
// their order, reporting each window's part. Items must come from one
// Interner; windows mined with their own Interners are brought into one with
// Reintern first (campaigns are few, so this is cheap).
//
// # Memory
//
// Nodes are 12 bytes (item rank, count, parent index) in one slice, with no
// pointers, maps or child lists: the cut needs only parents, since parents
// precede children. The tree keeps one int32 per message (the node its path
// ends at), from which Cut lists each campaign's messages without per-node
// message lists, and 8 bytes per kept item (its id and window frequency,
// by rank). The Builder keeps each message's items as uvarint deltas
// between ascending ids (frequent values are interned first, so their ids
// and gaps are small) and decodes them at Build, 4 bytes an item. On the
// synthetic day of bench_test.go (14 items a message, 3 of them unique)
// the Builder holds about 33 bytes a message (78 with 4-byte items) and the
// tree 67 (10 when pruned at f_c), against a budget of 357 (4 GiB for 12M).
// Interned values are the caller's larger cost: about len(value)+17 bytes
// per distinct pair, so unique-per-message values should be normalised or
// hashed by the extractor.
//
// # Invariants
//
//   - Item ids from an Interner are dense, from 0, in first-seen order.
//   - Tree nodes are in pre-order; node 0 is the root with f = messages;
//     every other node's parent index is smaller than its own, and its count
//     is at most its parent's.
//   - Cut's and CutRules' campaigns are in pre-order, have non-empty sorted
//     Items, Size == len(Messages), Messages ascending and disjoint across
//     campaigns, and every message of a campaign holds all its Items; a
//     campaign's Variants are nil unless the variant rule made it.
//   - The tree and the cut depend only on the window's multiset of messages
//     (up to message indexes), not on the order they were added in.
package fptree
