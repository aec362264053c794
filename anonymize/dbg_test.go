package anonymize

import "fmt"

func DebugStats() string {
	s := fmt.Sprint("phaseA=", dbgA, " srcsum=", dbgSrc, " below=", dbgBelow, " anon=", dbgAnon)
	dbgAnon = 0
	_ = (0)
	dbgSrc = 0
	return s
}
