// Command redact-notes is an example third-party anonymizer plugin: it
// redacts identifiers written into free-text columns (clinical notes,
// comments), which column-level transforms such as Safe Harbor cannot see
// inside. Build it, trust it, use it in a pipeline:
//
//	go build -o ~/.local/share/medmarket/plugins/redact-notes ./plugins/examples/redact-notes
//	medmarket plugins trust ~/.local/share/medmarket/plugins/redact-notes
//	# pipeline.yaml
//	transforms:
//	  - name: redact-notes
//	    columns: [NOTE]
package main

import "github.com/medmarket/medmarket/plugins/sdk"

func main() { sdk.ServeAnonymizer(&RedactNotes{}) }
