// Command spampots runs the parts of the spampots system: the honeypot
// sensor and, as they arrive, the shipper, collector, miner and portal.
//
//	spampots sensor [flags]     run a sensor (open SMTP relay, HTTP and SOCKS proxies), optionally shipping
//	spampots ship [flags]       ship a spool's closed segments to the collector
//	spampots collect [flags]    receive segments and heartbeats into the archive
//	spampots mine [flags] IN... group spam into campaigns (FPCluster)
//	spampots help [command]     describe a command
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand: main only wires flags, config and constructors.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"sensor":  {"run a honeypot sensor: open SMTP relay and HTTP/SOCKS proxies that capture and spool every message", runSensor},
	"ship":    {"ship closed spool segments to the collector over HTTPS, resumable, rate-limited", runShip},
	"collect": {"run the collector: receive sensors' segments and heartbeats over HTTPS into the archive and the store", runCollect},
	"mine":    {"mine spam campaigns from mbox files (FP-tree per day, merged across days) into campaigns.jsonl, assignments.tsv and the paper's analyses (report.html)", runMine},
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" && len(args) == 1 {
		usage(stdout)
		return 0
	}
	if args[0] == "help" {
		args = []string{args[1], "--help"}
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "spampots: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: spampots <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'spampots <command> --help' for a command's flags.")
}
