package plugins

// SetBatchRows fixes the rows per batch the host sends (1: one message per
// row) and returns a function that restores the default.
func SetBatchRows(n int) (restore func()) {
	old := batchRows
	batchRows = n
	return func() { batchRows = old }
}
