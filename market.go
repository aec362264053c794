package main

// The market's commands share what is in this file: the node's provider URL,
// the parsing of listing ids and addresses, and account look-up.

import (
	"context"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// envPublicURL is the URL other nodes reach this node's provider API at.
const envPublicURL = "MEDMARKET_PUBLIC_URL"

// publicURL resolves --public-url, its env, then http://<serve address>/.
func (c *cli) publicURL(flag string) string {
	if u := firstNonEmpty(flag, c.getenv(envPublicURL)); u != "" {
		return u
	}
	return defaultPublicURL(c.getenv)
}

// parseID reads a listing id argument.
func parseID(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, marketplace.Errorf(marketplace.EINVALID, "Listing id: %q is not a listing number.", s)
	}
	return id, nil
}

// parseAddress reads an account address argument.
func parseAddress(s string) (common.Address, error) {
	if !common.IsHexAddress(s) {
		return common.Address{}, marketplace.Errorf(marketplace.EINVALID, "Address: %q is not a hex address.", s)
	}
	return common.HexToAddress(s), nil
}

// newMarketCmds builds the market's commands: publish (market_publish.go),
// search (market_search.go), buy and download (market_buy.go), licences and
// seats (market_licences.go), sales, withdraw, delist and price
// (market_sales.go), and drafts (market_drafts.go).
func newMarketCmds(c *cli) []*cobra.Command {
	return []*cobra.Command{newPublishCmd(c), newSearchCmd(c), newBuyCmd(c), newDownloadCmd(c), newLicencesCmd(c),
		newSalesCmd(c), newWithdrawCmd(c), newDelistCmd(c), newPriceCmd(c), newSeatsCmd(c), newDraftsCmd(c)}
}

// splitCSV splits a comma-separated flag value, dropping empty items.
func splitCSV(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// accountNamed resolves an account of this node by name, or an address.
func accountNamed(ctx context.Context, a *app.App, name string) (common.Address, error) {
	accts, err := a.Accounts(ctx)
	if err != nil {
		return common.Address{}, err
	}
	for _, acct := range accts {
		if acct.Name == name {
			return acct.Address, nil
		}
	}
	if common.IsHexAddress(name) {
		return common.HexToAddress(name), nil
	}
	return common.Address{}, marketplace.Errorf(marketplace.ENOTFOUND, "No account named %q.", name)
}
