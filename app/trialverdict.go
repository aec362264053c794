package app

import "github.com/medmarket/medmarket/marketplace/trials"

// TrialVerdict is a verification said in plain words (VerifyReport.Verdict):
// pass or fail, a headline, and each problem as a sentence.
type TrialVerdict = trials.Verdict
