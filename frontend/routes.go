package frontend

import (
	"log/slog"
	"net/http"
)

// addRoutes is the whole surface of the UI. Pages live at paths ending in "/"
// because the desktop window's Wails runtime is only injected there. Every
// route that changes state, or acts with an account's key, requires a
// session; sign-in and sign-out aside, only read-only checks (an audit
// trail verified) are open to visitors.
func addRoutes(mux *http.ServeMux, logger *slog.Logger, svc Service, static http.Handler, ws *windowSession, wizards *wizardStore) {
	mux.Handle("GET /{$}", handlePage(logger, "Home", "", homePage()))
	mux.Handle("GET /mydata/{$}", requireSession(handleMyData(logger, svc)))
	mux.Handle("POST /mydata/withdraw", requireSessionFrom(myDataPath, handleWithdraw(logger, svc)))
	mux.Handle("POST /mydata/datasets/{id}/price", requireSessionFrom(myDataPath, handleSetPrice(logger, svc)))
	mux.Handle("POST /mydata/datasets/{id}/delist", requireSessionFrom(myDataPath, handleDelist(logger, svc)))
	mux.Handle("POST /mydata/drafts/{hash}/retry", requireSessionFrom(myDataPath, handleRetryDraft(logger, svc)))
	mux.Handle("POST /mydata/drafts/{hash}/discard", requireSessionFrom(myDataPath, handleDiscardDraft(logger, svc)))
	mux.Handle("GET /mydata/publish/{$}", requireSession(handlePublishPage(logger)))
	mux.Handle("POST /mydata/publish/upload", requireSessionFrom(myDataPublishPath, handlePublishUpload(logger, svc, wizards)))
	mux.Handle("POST /mydata/publish/local", requireSessionFrom(myDataPublishPath, handlePublishLocal(logger, svc, wizards, ws != nil))) // desktop window only
	mux.Handle("POST /mydata/publish/run", requireSessionFrom(myDataPublishPath, handlePublishRun(logger, svc, wizards)))
	mux.Handle("GET /mydata/publish/run/{id}/{$}", requireSession(handlePublishRunStatus(logger, svc, wizards)))
	mux.Handle("POST /mydata/publish/run/{id}/cancel", requireSessionFrom(myDataPublishPath, handlePublishRunCancel(logger, svc, wizards)))
	mux.Handle("POST /mydata/publish/run/{id}/accept-risk", requireSessionFrom(myDataPublishPath, handleAcceptRisk(logger, wizards)))
	mux.Handle("POST /mydata/publish/cost", requireSessionFrom(myDataPublishPath, handlePublishCost(logger, svc)))
	mux.Handle("POST /mydata/publish/discard", requireSessionFrom(myDataPublishPath, handlePublishDiscard(logger, wizards)))
	mux.Handle("POST /mydata/publish/{$}", requireSessionFrom(myDataPublishPath, handlePublish(logger, svc, wizards)))
	mux.Handle("POST /mydata/configs/{$}", requireSessionFrom(myDataPublishPath, handleConfigSave(logger, svc, wizards)))
	mux.Handle("GET /mydata/configs/{$}", requireSession(handleConfigsPage(logger, svc)))
	mux.Handle("GET /mydata/configs/choice", requireSession(handleConfigChoice(logger, svc)))
	mux.Handle("GET /mydata/configs/{name}/config.yaml", requireSession(handleConfigYAML(logger, svc)))
	mux.Handle("POST /mydata/configs/{name}/delete", requireSessionFrom(myDataConfigsPath, handleConfigDelete(logger, svc)))
	mux.Handle("GET /mydata/licences/{$}", requireSession(handleLicences(logger, svc)))
	mux.Handle("POST /mydata/licences/{id}/seats", requireSessionFrom(licencesPath, handleSeat(logger, svc, true)))
	mux.Handle("POST /mydata/licences/{id}/seats/remove", requireSessionFrom(licencesPath, handleSeat(logger, svc, false)))
	mux.Handle("GET /catalog/{$}", handleCatalog(logger, svc))
	mux.Handle("GET /catalog/{id}/{$}", handleCard(logger, svc))
	mux.Handle("GET /catalog/{id}/questions/{$}", requireSession(handleQuestionsPage(logger, svc)))
	mux.Handle("POST /catalog/{id}/questions/{$}", requireSessionFrom(questionsPath, handleAsk(logger, svc)))
	// Buy, download and save check the session themselves: a visitor signs in and comes back to the card.
	mux.Handle("POST /catalog/{id}/buy", handleBuy(logger, svc))
	mux.Handle("GET /catalog/{id}/download", handleDownload(logger, svc))
	mux.Handle("POST /catalog/{id}/save", handleSaveDownload(logger, svc, ws != nil)) // desktop window only
	mux.Handle("GET /trials/{$}", handleTrials(logger, svc))
	mux.Handle("POST /trials/{$}", requireSessionFrom(trialsPath, handleTrialRegister(logger, svc)))
	mux.Handle("POST /trials/join", requireSessionFrom(trialsPath, handleTrialJoin(logger, svc)))
	mux.Handle("GET /trials/{id}/{$}", handleTrialView(logger, svc))
	mux.Handle("GET /trials/{id}/steps", handleTrialSteps(logger, svc))
	mux.Handle("GET /trials/{id}/entries/{index}/{$}", handleTrialEntry(logger, svc))
	mux.Handle("POST /trials/{id}/steps", requireSessionFrom(trialPath, handleTrialRecord(logger, svc)))
	mux.Handle("POST /trials/{id}/import/preview", requireSessionFrom(trialPath, handleTrialImportPreview(logger, svc)))
	mux.Handle("POST /trials/{id}/import", requireSessionFrom(trialPath, handleTrialImport(logger, svc)))
	mux.Handle("GET /trials/{id}/staff/{$}", handleTrialStaff(logger, svc))
	mux.Handle("GET /trials/{id}/staff", handleTrialStaffSlash())
	mux.Handle("POST /trials/{id}/staff", requireSessionFrom(trialStaffPath, handleTrialStaffAuthorize(logger, svc)))
	mux.Handle("POST /trials/{id}/staff/revoke", requireSessionFrom(trialStaffPath, handleTrialStaffRevoke(logger, svc)))
	mux.Handle("GET /trials/{id}/design", handleTrialDesign(logger, svc))
	mux.Handle("POST /trials/{id}/design", requireSessionFrom(trialPath, handleTrialDesignEdit(logger, svc)))
	mux.Handle("POST /trials/{id}/design/import", requireSessionFrom(trialPath, handleTrialDesignImport(logger, svc)))
	mux.Handle("GET /trials/{id}/forms/{form}", handleTrialForm(logger, svc))
	mux.Handle("POST /trials/{id}/forms/{form}", requireSessionFrom(trialPath, handleTrialFormRecord(logger, svc)))
	mux.Handle("POST /trials/{id}/anchor", requireSessionFrom(trialPath, handleTrialAnchor(logger, svc)))
	mux.Handle("GET /trials/{id}/dashboard", handleTrialDashboard(logger, svc))
	mux.Handle("POST /trials/{id}/database/{action}", requireSessionFrom(trialPath, handleDatabaseLock(logger, svc)))
	mux.Handle("GET /trials/{id}/casebook/{$}", handleCasebooks(logger, svc))
	mux.Handle("GET /trials/{id}/casebook/{subject}", handleCasebook(logger, svc))
	mux.Handle("POST /trials/{id}/casebook/{subject}/{action}", requireSessionFrom(trialPath, handleCasebookAction(logger, svc)))
	mux.Handle("POST /trials/{id}/refresh", requireSessionFrom(trialPath, handleTrialRefresh(logger, svc)))
	mux.Handle("POST /trials/{id}/verify", handleTrialVerify(logger, svc)) // read-only: an auditor checks the log
	mux.Handle("GET /trials/{id}/export.json", handleTrialExport(logger, svc, "json"))
	mux.Handle("GET /trials/{id}/export.csv", handleTrialExport(logger, svc, "csv"))
	mux.Handle("GET /trials/{id}/report", handleTrialReport(logger, svc))
	mux.Handle("GET /verify/{$}", handlePage(logger, "Verify", "trials", verifyPage()))
	mux.Handle("POST /verify/{$}", handleVerifyUpload(logger, svc)) // read-only, public: an auditor's upload, bounded in size
	mux.Handle("GET /status/{$}", handleStatus(logger, svc))
	mux.Handle("POST /status/node", requireSessionFrom(statusPath, handleRenameNode(logger, svc)))
	mux.Handle("POST /status/roles", requireSessionFrom(statusPath, handleSetRoles(logger, svc)))
	mux.Handle("GET /signin/{$}", handleSignInPage(logger, svc, ws))
	mux.Handle("POST /signin", handleSignIn(logger, svc, ws))
	mux.Handle("POST /signout", handleSignOut(logger, svc, ws))
	mux.Handle("GET /accounts/new/{$}", handleAccountNewPage(logger))
	mux.Handle("POST /accounts/new/{$}", handleAccountNew(logger, svc, ws))
	mux.Handle("GET /accounts/import/{$}", handleAccountImportPage(logger))
	mux.Handle("POST /accounts/import/{$}", handleAccountImport(logger, svc, ws))
	mux.Handle("POST /accounts/strength", handlePassphraseStrength(logger))
	mux.Handle("GET /healthz", handleHealth())
	mux.Handle("GET /static/", http.StripPrefix("/static/", static))
	mux.Handle("/", handleNotFound(logger))
}
