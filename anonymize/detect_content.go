package anonymize

import (
	"net/netip"
	"regexp"
	"strings"
	"unicode"
)

var (
	ssnRe    = regexp.MustCompile(`^\d{3}-\d{2}-\d{4}$`)
	emailRe  = regexp.MustCompile(`^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$`)
	phoneRe  = regexp.MustCompile(`^(\+?\d{1,3}[ .\-]?)?\(?\d{3}\)?[ .\-]?\d{3}[ .\-]?\d{4}( ?(x|ext\.?) ?\d{1,5})?$`)
	urlRe    = regexp.MustCompile(`(?i)^(https?|ftp)://[^\s]+$|^www\.[^\s]+\.[a-z]{2,}`)
	uuidRe   = regexp.MustCompile(`(?i)^(urn:uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	macRe    = regexp.MustCompile(`(?i)^[0-9a-f]{2}([:\-][0-9a-f]{2}){5}$`)
	vinRe    = regexp.MustCompile(`^[A-HJ-NPR-Z0-9]{17}$`)
	zipRe    = regexp.MustCompile(`^\d{5}(-\d{4})?$|^\d{3}$`)
	streetRe = regexp.MustCompile(`^\d{1,6}[A-Za-z]? [A-Z][A-Za-z'.\-]*( [A-Za-z0-9'.#\-]+)+$`)
)

// contentRules classify a value; the first match wins. Only kinds that a
// value shows unmistakably are here (names and cities need the column name).
var contentRules = []struct {
	cat   Category
	match func(string) bool
}{
	{CatSSN, ssnRe.MatchString},
	{CatEmail, emailRe.MatchString},
	{CatURL, urlRe.MatchString},
	{CatIP, func(v string) bool {
		a, err := netip.ParseAddr(v)
		return err == nil && (a.Is6() || strings.Count(v, ".") == 3)
	}},
	{CatDevice, macRe.MatchString},
	{CatPhone, func(v string) bool { return phoneRe.MatchString(v) && strings.ContainsAny(v, " -.()+") }},
	{CatID, uuidRe.MatchString},
	{CatVehicle, func(v string) bool {
		return vinRe.MatchString(v) && strings.IndexFunc(v, unicode.IsLetter) >= 0 && strings.IndexFunc(v, unicode.IsDigit) >= 0
	}},
	{CatAddress, streetRe.MatchString},
	{CatDate, func(v string) bool { _, ok := parseDate(v); return ok }},
}

// categoryByContent returns the category most sampled non-empty values
// match (at least 80% of them), and the share that matched.
func categoryByContent(c *Column) (Category, float64) {
	return categoryBySample(sampleValues(c.Dict))
}

func categoryBySample(values []string) (Category, float64) {
	counts := make(map[Category]int)
	n := 0
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		n++
		for _, r := range contentRules {
			if r.match(v) {
				counts[r.cat]++
				break
			}
		}
		if n >= SampleValues {
			break
		}
	}
	if n == 0 {
		return CatNone, 0
	}
	best, bestN := CatNone, 0
	for _, r := range contentRules {
		if counts[r.cat] > bestN {
			best, bestN = r.cat, counts[r.cat]
		}
	}
	share := float64(bestN) / float64(n)
	if share < 0.8 {
		return CatNone, share
	}
	return best, share
}
