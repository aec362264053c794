package recorder

import (
	"context"
	"io"
)

// Static returns p as a Recorder; it describes itself by its name, or by
// its Describe method when it implements Describer.
func Static(p Parser) Recorder { return static{p} }

type static struct{ p Parser }

func (s static) Describe(ctx context.Context) (Descriptor, error) {
	if d, ok := s.p.(Describer); ok {
		out := d.Describe()
		if out.Name == "" {
			out.Name = s.p.Name()
		}
		return out, nil
	}
	return Descriptor{Name: s.p.Name()}, nil
}

func (s static) Parse(ctx context.Context, r io.Reader, cfg Config) ([]Step, error) {
	return s.p.Parse(ctx, r, cfg)
}
