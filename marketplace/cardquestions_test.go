package marketplace

import (
	"strings"
	"testing"
)

func TestCardQuestions_Validate(t *testing.T) {
	ok := &CardQuestions{Epsilon: "3", PerRequester: "1", Mechanism: "discrete Laplace"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := ok.Total().RatString(); got != "3" {
		t.Errorf("Total = %s", got)
	}
	var none *CardQuestions
	if err := none.Validate(); err != nil {
		t.Errorf("nil: %v", err)
	}
	for _, tc := range []struct {
		q    CardQuestions
		want string
	}{
		{CardQuestions{Epsilon: "1", PerRequester: "2", Mechanism: "m"}, "above the listing's total"},
		{CardQuestions{Epsilon: "0", PerRequester: "0", Mechanism: "m"}, "above 0"},
		{CardQuestions{Epsilon: "1/3", PerRequester: "0.1", Mechanism: "m"}, "plain decimal"},
		{CardQuestions{Epsilon: "1e1", PerRequester: "0.1", Mechanism: "m"}, "plain decimal"},
		{CardQuestions{Epsilon: "101", PerRequester: "0.1", Mechanism: "m"}, "at most 100"},
		{CardQuestions{Epsilon: "1", PerRequester: "0.5"}, "mechanism"},
	} {
		err := tc.q.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err %v, want %q", tc.q, err, tc.want)
		}
	}
}
