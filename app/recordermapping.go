package app

import (
	"bufio"
	"encoding/json"
	"strings"

	"github.com/medmarket/medmarket/marketplace"
)

// ParseRecorderConfig reads a trial import's recorder mapping as users write
// it, in the CLI's --map file and the UI's import form alike: a JSON object
// of strings, or key=value lines (blank lines and lines starting with # are
// skipped). source names where the text came from ("--map FILE",
// "Mapping") in the EINVALID error a malformed mapping returns.
func ParseRecorderConfig(text, source string) (RecorderConfig, error) {
	cfg := RecorderConfig{}
	if t := strings.TrimSpace(text); strings.HasPrefix(t, "{") {
		if err := json.Unmarshal([]byte(t), &cfg); err != nil {
			return nil, marketplace.Wrap(marketplace.EINVALID, err, "%s: not a JSON object of strings", source)
		}
		return cfg, nil
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, marketplace.Errorf(marketplace.EINVALID, "%s line %d: want key=value.", source, n)
		}
		cfg[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	if err := sc.Err(); err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "%s: cannot read", source)
	}
	return cfg, nil
}
