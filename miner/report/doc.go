// Package report is the paper's Table 1 and §3 temporal analyses
// (../../../shared/seeds/campaigns-paper-pt.txt) of one mining result
// (miner/mine): tables as CSV, figures as SVG and one report.html that
// shows them with a short reading of each against the paper's numbers.
//
// Analyze reads only the Result: its campaigns, summary, per-message
// columns (time, campaign, bytes, source IP), the N(f) curve and the tree
// top. It has no clock, no randomness but a constant seed, and no I/O;
// WriteDir writes the files. The same Result gives the same bytes.
//
// # Definitions (§3), as implemented
//
// Times are the miner's message times (X-Sensor-Time, else the Date
// header, else the From_ line; mine's package doc), in microseconds;
// undated messages take part in no temporal analysis.
//
//   - T(c) (§3.1): a campaign's messages.
//   - D(c) (§3.1): max_t(c) − min_t(c) over its dated messages, in hours;
//     0 with fewer than two (Duration).
//   - Pearson r of T(c) and D(c) over the campaigns with a dated message
//     (Pearson); the paper reports 0.993.
//   - E(h) (§3.1): Σ |c_i| / M over the campaigns with D(c_i) ≥ h ("igual
//     ou maior que h horas"), M all messages read (Exposure), for h = 0,
//     1, ... hours up to the longest campaign (coarser steps past 2000 h).
//   - Send profile (§3.1, Fig. 5(a)): for x = 0..100 %, the mean over the
//     campaigns with D(c) > 0 of the share of their messages with
//     (t − min_t)/D(c) ≤ x (SendProfile). Fig. 5(b) shows 20 campaigns with
//     D(c) > 0 picked by a PCG seeded with a constant, at most 1000 ticks
//     each (every k-th message and the last).
//   - IAT (§3.2): the gap between consecutive messages of a campaign in
//     time order (Fig. 6(a)), or of one source IP, whatever the campaign
//     (Fig. 8(b)) (IATs).
//   - Burst (§3.2): a maximal run of a campaign's messages whose IATs are
//     all at most IAT_max (default 2000 s, --iat-max); a longer gap starts
//     a new burst (Bursts). Fig. 6(b) counts all campaigns' bursts for
//     IAT_max on the 1-2-5 series from 1 s to 10^6 s and the configured
//     value.
//   - Inactivity (§3.2): every gap longer than IAT_max, between bursts of
//     a campaign (Fig. 9) or between messages of one IP (Fig. 8(a))
//     (Inactivity), in minutes. The histograms have one-hour bins over the
//     first week (whole days dashed); longer periods are counted in the
//     CSV's last row.
//   - Source IPs (§3 "IPs de origem"): a message's X-Src-IP when a sensor
//     captured it, else the first untrusted Received hop (mine's package
//     doc). IPs per campaign count distinct ones; messages per IP count
//     all messages, in a campaign or not.
//   - N(f) (§3.1, Fig. 2): per dated window, the campaigns its tree gives
//     cut at f; the table has their mean, sample standard deviation, min,
//     max and sum over the windows, for each f up to the largest window.
//   - Table 1 (§2.1): messages read, distinct UTC dates with a dated
//     message ("days"), messages per day, bytes of the messages as stored,
//     distinct source IPs, campaigns before and after the merge.
//
// The paper's values are quoted in Finding.Paper and in the readings; the
// typical cut f_c quoted is the median of the dated windows' cuts.
//
// # Distributions
//
// A cumulative distribution is written as its empirical CDF (CDF): one
// row per distinct value, ascending, with the observations at most that
// value and their share. Long ones are thinned (a row is kept when the
// share rose by 0.001 or the value by 2% since the last kept row, and the
// last row is always kept); every row is exact. Log axes cannot show 0:
// such values are in the CSV and in the height where the curve starts.
//
// The files, their columns and units are listed in ../README.md.
package report
