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
//     previous path, and leaves the nodes in depth-first pre-order.
//  3. Tree.Cut(fc) finds the campaigns.
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
// # Pruning
//
// Build(minSupport) drops items held by fewer than minSupport messages. Items
// are ordered by frequency, so such items only form path suffixes whose nodes
// have f <= the item's frequency < minSupport; for any fc >= minSupport no
// cut point, campaign item set, size or membership changes. Cut raises a
// smaller fc to minSupport. Pruning at f_c removes the nodes made by values
// unique per message (Date, Received), usually most of the tree.
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
// Nodes are 12 bytes (item, count, parent index) in one slice, with no
// pointers, maps or child lists: the cut needs only parents, since parents
// precede children. The tree keeps one int32 per message (the node its path
// ends at), from which Cut lists each campaign's messages without per-node
// message lists. On the synthetic day of bench_test.go (14 items a message,
// 3 of them unique) the Builder holds about 78 bytes a message and the tree
// 40 (10 when pruned at f_c), against a budget of 357 (4 GiB for 12M).
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
//   - Cut's campaigns are in pre-order, have non-empty sorted Items, Size ==
//     len(Messages), Messages ascending and disjoint across campaigns, and
//     every message of a campaign holds all its Items.
//   - The tree and the cut depend only on the window's multiset of messages
//     (up to message indexes), not on the order they were added in.
package fptree
