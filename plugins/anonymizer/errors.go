package anonymizer

import (
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/plugins/handshake"
)

// invalidErr is an error about the data or parameters, as anonymize's own:
// errors.Is(err, anonymize.ErrInvalid) holds on both sides of the wire, and
// errors.Is(err, anonymize.ErrNoQuasiIdentifiers) too when noQI is set.
type invalidErr struct {
	msg  string
	noQI bool
}

func (e invalidErr) Error() string { return e.msg }
func (e invalidErr) Is(target error) bool {
	return target == anonymize.ErrInvalid || (e.noQI && target == anonymize.ErrNoQuasiIdentifiers)
}

// errorDomain and reasonNoQuasiIdentifiers mark, in an InvalidArgument
// status's details, a privacy step refusing a table without
// quasi-identifiers: a multi-table run skips that table's step, in a plugin
// as in process.
const (
	errorDomain              = "medmarket.plugins.v1"
	reasonNoQuasiIdentifiers = "NO_QUASI_IDENTIFIERS"
)

// toStatus turns a plugin-side error into a gRPC status: InvalidArgument
// for anonymize.ErrInvalid, so the host can tell the user's mistakes from
// plugin failures (with reasonNoQuasiIdentifiers in its details for
// anonymize.ErrNoQuasiIdentifiers).
func toStatus(err error) error {
	if _, ok := status.FromError(err); ok && status.Code(err) != codes.Unknown {
		return err
	}
	switch {
	case errors.Is(err, anonymize.ErrNoQuasiIdentifiers):
		st := status.New(codes.InvalidArgument, err.Error())
		if d, derr := st.WithDetails(&errdetails.ErrorInfo{Domain: errorDomain, Reason: reasonNoQuasiIdentifiers}); derr == nil {
			st = d
		}
		return st.Err()
	case errors.Is(err, anonymize.ErrInvalid):
		return status.Error(codes.InvalidArgument, err.Error())
	}
	return handshake.ToStatus(err)
}

// fromStatus turns a status back: InvalidArgument wraps anonymize.ErrInvalid;
// everything else keeps its status (the host explains it).
func fromStatus(err error) error {
	if s, ok := status.FromError(err); ok && s.Code() == codes.InvalidArgument {
		e := invalidErr{msg: s.Message()}
		for _, d := range s.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok && info.Domain == errorDomain && info.Reason == reasonNoQuasiIdentifiers {
				e.noQI = true
			}
		}
		return e
	}
	return err
}
