package frontend

import (
	"log/slog"
	"net/http"

	"github.com/a-h/templ"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// The wizard's CSV encoding: step 1 offers detect / UTF-8 / Latin-1 /
// UTF-16 (field encoding), the upload keeps the choice, every preview and
// the publish read the file with it, and step 2 can change it (a step=edit
// post with encoding). When the reader finds a byte that is not text in
// the encoding (app.EncodingProblem), the wizard says where and offers to
// read the kept file again in the encoding it looks like.

// encodingChoice is one option of the encoding select.
type encodingChoice struct{ Value, Label string }

// encodingChoices are the encodings the wizard offers ("" detects).
func encodingChoices() []encodingChoice {
	return []encodingChoice{{"", "Detect it"}, {app.EncodingUTF8, "UTF-8"}, {app.EncodingLatin1, "Latin-1 (ISO-8859-1, Windows-1252)"},
		{app.EncodingUTF16, "UTF-16 (without a byte-order mark: little-endian)"}}
}

// wizardEncoding is the encoding the user chose, "" (detect) for anything
// the wizard does not offer.
func wizardEncoding(v string) string {
	for _, c := range encodingChoices() {
		if c.Value == v {
			return v
		}
	}
	return ""
}

// encoding is the encoding u is read with ("" detects it).
func (u *wizardUpload) encoding() string {
	if e := u.enc.Load(); e != nil {
		return *e
	}
	return ""
}

// setEncoding changes the encoding u is read with. Runs made with another
// encoding are cancelled: their output must not be published.
func (s *wizardStore) setEncoding(u *wizardUpload, enc string) {
	enc = wizardEncoding(enc)
	if u.encoding() == enc {
		return
	}
	u.enc.Store(&enc)
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, run := range s.runs {
		if run.Upload == u {
			run.cancel()
			delete(s.runs, id)
		}
	}
}

// readFailStep is the step that answers a file the wizard could not read:
// the encoding step for a file in another encoding (its upload kept), else
// step 1 with the reason.
func readFailStep(u *wizardUpload, err error) templ.Component {
	if likely, ok := app.LikelyEncoding(err); ok && u != nil {
		return wizardEncodingStep(u, marketplace.ErrorMessage(err), likely)
	}
	return wizardUploadStep(marketplace.ErrorMessage(err))
}

// wizardReadFail is wizardFail for a kept upload that could not be read.
func wizardReadFail(w http.ResponseWriter, r *http.Request, logger *slog.Logger, u *wizardUpload, err error) {
	if _, ok := app.LikelyEncoding(err); !ok {
		wizardFail(w, r, logger, err)
		return
	}
	renderWizard(w, r, logger, httpStatus(marketplace.ErrorCode(err)), readFailStep(u, err))
}

// encodingLabel names an encoding as the select does.
func encodingLabel(enc string) string {
	for _, c := range encodingChoices() {
		if c.Value == enc {
			return c.Label
		}
	}
	return enc
}
