package app

import "github.com/medmarket/medmarket/anonymize"

func anonymizePolicy(k int) anonymize.Policy { return anonymize.Policy{MinK: k} }
