// Command badrecorder is a test recorder plugin that fails in the way its
// file name says: rpanic (panics while parsing), rhang (never answers),
// rbig (answers with a step larger than any message limit), rok (one step
// per line, the line as the subject).
package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/medmarket/medmarket/plugins/recorder"
	"github.com/medmarket/medmarket/plugins/sdk"
)

type bad struct{ mode string }

func (b bad) Name() string { return "bad-" + b.mode }

func (b bad) Parse(ctx context.Context, r io.Reader, cfg recorder.Config) ([]recorder.Step, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	switch b.mode {
	case "rpanic":
		panic("recorder fell over")
	case "rhang":
		select {}
	case "rbig":
		return []recorder.Step{{Ref: "row 1", Type: "visit", Subject: "S-1", Data: []byte(`{"x":"` + strings.Repeat("a", 8<<20) + `"}`)}}, nil
	}
	var out []recorder.Step
	for _, l := range strings.Fields(string(raw)) {
		out = append(out, recorder.Step{Ref: l, Type: "visit", Subject: l})
	}
	return out, nil
}

func main() { sdk.ServeRecorder(bad{mode: filepath.Base(os.Args[0])}) }
