package anonymize

// FindPatternsForTest is findPatterns, the scrubber's patterns run where
// their prefilters (scrubPattern.can) allow.
func FindPatternsForTest(text string) []ScrubSpan { return findPatterns(text) }

// FindPatternsUnfilteredForTest runs every pattern on text, prefilters
// ignored: what findPatterns must return.
func FindPatternsUnfilteredForTest(text string) []ScrubSpan {
	all := make([]scrubPattern, len(scrubPatterns))
	for i, p := range scrubPatterns {
		p.can = func(*scrubScan) bool { return true }
		if a, ok := p.re.(*anchoredRE); ok {
			p.re = a.re
		}
		all[i] = p
	}
	return findPatternsWith(all, text)
}

// ScrubWordsForTest is scrubWords, the scrubber's tokenizer.
func ScrubWordsForTest(text string) [][2]int { return scrubWords(text) }
