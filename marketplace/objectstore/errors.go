package objectstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/minio/minio-go/v7"

	"github.com/medmarket/medmarket/marketplace"
)

// notFound reports whether the store answered that the object is absent.
func notFound(err error) bool {
	var er minio.ErrorResponse
	return errors.As(err, &er) && (er.Code == "NoSuchKey" || er.Code == "NoSuchUpload" || er.StatusCode == http.StatusNotFound && er.Code != "NoSuchBucket")
}

// fail wraps an error of the client with what was being done and a
// marketplace code: the store's own refusals by their S3 code, anything
// that is not an answer (refused connection, DNS, TLS, time-out) as
// EUNAVAILABLE naming the endpoint.
func (s *Store) fail(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("blob store %s: %s: %w", s.cfg.Endpoint, what, err)
	}
	var er minio.ErrorResponse
	if !errors.As(err, &er) || er.Code == "" && er.StatusCode == 0 {
		return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Blob store at %s cannot be reached (%s)", s.cfg.Endpoint, what)
	}
	switch {
	case er.Code == "NoSuchBucket":
		return marketplace.Wrap(marketplace.ENOTFOUND, err, "Blob store %s: %s: bucket %q does not exist", s.cfg, what, s.cfg.Bucket)
	case er.Code == "AccessDenied" || er.Code == "InvalidAccessKeyId" || er.Code == "SignatureDoesNotMatch" ||
		er.StatusCode == http.StatusForbidden || er.StatusCode == http.StatusUnauthorized:
		return marketplace.Wrap(marketplace.EFORBIDDEN, err, "Blob store %s: %s: the store refused the credentials (%s)", s.cfg, what, er.Code)
	case er.StatusCode >= 500:
		return marketplace.Wrap(marketplace.EUNAVAILABLE, err, "Blob store %s: %s: the store failed (%d %s)", s.cfg, what, er.StatusCode, er.Code)
	default:
		return fmt.Errorf("blob store %s: %s: %w", s.cfg, what, err)
	}
}
