package ledger

import (
	"fmt"
	"strconv"
	"strings"
)

// The key layout is described in the package doc. Numbers are 16 hex digits
// so that buntdb's string order is index order.

const stateKeyPrefix = "ledger:log:"

func stateKey(id LogID) string { return stateKeyPrefix + id.hex() }

func entryKeyHex(hexID string, index uint64) string {
	return fmt.Sprintf("ledger:%s:e:%016x", hexID, index)
}

func entryPrefix(hexID string) string { return "ledger:" + hexID + ":e:" }

func entryIndex(hexID, key string) (uint64, error) {
	s, ok := strings.CutPrefix(key, entryPrefix(hexID))
	if !ok || len(s) != 16 {
		return 0, fmt.Errorf("ledger: unexpected entry key %q", key)
	}
	return strconv.ParseUint(s, 16, 64)
}

func tileKey(hexID string, t tileID) string {
	return fmt.Sprintf("ledger:%s:t:%02x:%016x", hexID, t.stratum, t.index)
}

func checkpointKey(hexID string, size uint64) string {
	return fmt.Sprintf("ledger:%s:cp:%016x", hexID, size)
}

func checkpointPrefix(hexID string) string { return "ledger:" + hexID + ":cp:" }

func anchorKey(hexID string, size uint64) string {
	return fmt.Sprintf("ledger:%s:anchor:%016x", hexID, size)
}

func anchorPrefix(hexID string) string { return "ledger:" + hexID + ":anchor:" }
