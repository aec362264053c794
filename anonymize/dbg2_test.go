package anonymize_test

import (
	"context"
	"testing"

	"github.com/medmarket/medmarket/anonymize"
)

func TestDebugSearch(t *testing.T) {
	adult := loadAdult(t)
	zero := 0.0
	for _, p := range []anonymize.Privacy{{K: 5, Method: "optimal"}, {K: 5, Method: "optimal", SuppressionLimit: &zero}} {
		_, res, err := p.Anonymize(context.Background(), adult)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(res.Evaluated, res.Loss, res.Levels, anonymize.DebugStats())
	}
}
