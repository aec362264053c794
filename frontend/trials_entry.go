package frontend

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// handleTrialEntry handles GET /trials/{id}/entries/{index}/: one entry of
// the log, said plainly, with the entries linked to it.
func handleTrialEntry(logger *slog.Logger, svc TrialService) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		index, err := strconv.ParseUint(r.PathValue("index"), 10, 64)
		if err != nil {
			renderError(w, r, logger, marketplace.Errorf(marketplace.ENOTFOUND, "Entry %q: not an entry number.", r.PathValue("index")))
			return
		}
		t, err := svc.Trial(r.Context(), id)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		steps, err := svc.TrialSteps(r.Context(), id, app.StepFilter{})
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		tv, err := loadTimeline(r, svc, t.Trial, steps, false)
		if err != nil {
			renderError(w, r, logger, err)
			return
		}
		for _, e := range steps {
			if e.Index == index {
				title := t.Identifier + " entry " + strconv.FormatUint(index, 10)
				render(w, r, logger, http.StatusOK, page{Title: title, Section: "trials", Content: entryPage(tv, e)})
				return
			}
		}
		renderError(w, r, logger, marketplace.Errorf(marketplace.ENOTFOUND, "Trial %s has no entry %d.", t.Identifier, index))
	})
}
