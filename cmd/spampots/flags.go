package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
)

// sizeFlag is a byte count written with an optional unit: 64MiB, 10MB, 4096.
type sizeFlag struct{ p *int64 }

func (s sizeFlag) String() string {
	if s.p == nil {
		return ""
	}
	return formatSize(*s.p)
}

func (s sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s.p = n
	return nil
}

var units = []struct {
	suffix string
	mult   int64
}{
	{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"kB", 1e3}, {"B", 1},
}

func parseSize(v string) (int64, error) {
	num, mult := strings.TrimSpace(v), int64(1)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q: want a number with an optional unit (KiB, MiB, GiB, KB, MB, GB)", v)
	}
	return n * mult, nil
}

func formatSize(n int64) string {
	for _, u := range units[:3] {
		if n >= u.mult && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// listFlag is a repeatable flag.
type listFlag struct {
	vals *[]string
	set  bool
}

func (l *listFlag) String() string {
	if l.vals == nil {
		return ""
	}
	return strings.Join(*l.vals, ",")
}

func (l *listFlag) Set(v string) error {
	if !l.set { // the first use replaces the default
		*l.vals, l.set = nil, true
	}
	*l.vals = append(*l.vals, v)
	return nil
}

// loadConfigFile sets flags from a file of "name = value" lines (the flag
// names without dashes; '#' starts a comment; a repeatable flag may appear
// on several lines). Flags given on the command line win: they are applied
// again afterwards by the caller. Every problem is reported, not only the
// first.
func loadConfigFile(fs *flag.FlagSet, path string, explicit map[string]bool) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	var errs []error
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		if !ok || name == "" {
			errs = append(errs, fmt.Errorf("%s:%d: want name = value", path, n))
			continue
		}
		if name == "config" || fs.Lookup(name) == nil {
			errs = append(errs, fmt.Errorf("%s:%d: unknown setting %q", path, n, name))
			continue
		}
		if explicit[name] {
			continue
		}
		if err := fs.Set(name, strings.Trim(val, `"`)); err != nil {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %w", path, n, name, err))
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, fmt.Errorf("config %s: %w", path, err))
	}
	return errors.Join(errs...)
}

// commonFlags are the --config and --log-level flags every long-running
// subcommand has.
type commonFlags struct{ configPath, logLevel *string }

// addCommonFlags registers --config and --log-level on fs.
func addCommonFlags(fs *flag.FlagSet) commonFlags {
	return commonFlags{
		configPath: fs.String("config", "", "read settings from this file (name = value lines, names as the flags); flags given here win"),
		logLevel:   fs.String("log-level", "info", "debug, info, warn or error"),
	}
}

// parse parses a subcommand's flags, then its --config file (flags given
// on the command line win), then --log-level, and returns the logger and
// the problems found so far: the caller adds its own and reports them all
// at once. exit >= 0 means the command ends now (0 after --help, 2 on a
// flag the flag package refused).
func (c commonFlags) parse(fs *flag.FlagSet, args []string, stderr io.Writer) (log *slog.Logger, errs []error, exit int) {
	configPath, logLevel := c.configPath, c.logLevel
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, 0
		}
		return nil, nil, 2
	}
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Errorf("unexpected arguments %q", fs.Args()))
	}
	if *configPath != "" {
		explicit := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
		if err := loadConfigFile(fs, *configPath, explicit); err != nil {
			errs = append(errs, err)
		}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		errs = append(errs, fmt.Errorf("log-level: %w", err))
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})), errs, -1
}
