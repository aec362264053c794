package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// newAccountCmd builds `account new`, `account import`, `account list` and
// `account roles`.
func newAccountCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "account",
		Short: "Manage the node's accounts (keys encrypted in the data dir's keystore)",
	}
	var name, newRoles string
	var roles []marketplace.Role
	newCmd := &cobra.Command{
		Use:   "new --name NAME [--roles patient,researcher,sponsor]",
		Short: "Create an account and print its address",
		Args:  cobra.NoArgs,
		RunE: c.command(action{parse: func([]string) (err error) {
			roles, err = marketplace.ParseRoles(newRoles)
			return err
		}, unlock: func([]string) *unlock {
			return &unlock{name: name, prompt: "Passphrase for the new account: ", confirm: true}
		}, run: func(ctx context.Context, a *app.App, who account) error {
			acct, err := a.CreateAccount(ctx, who.name, who.passphrase, roles...)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(c.stdout, acct.Address.Hex())
			return err
		}}),
	}
	newCmd.Flags().StringVar(&name, "name", "", "name to use the account by (--as NAME)")
	newCmd.Flags().StringVar(&newRoles, "roles", marketplace.AllRoles().String(), "the account's roles on this node, comma-separated: they choose the sections the UI shows")
	newCmd.MarkFlagRequired("name")

	var rolesOf string
	var setRoles []marketplace.Role
	var set bool
	rolesCmd := &cobra.Command{
		Use:   "roles NAME [ROLES]",
		Short: "Print an account's roles on this node, or set them (e.g. patient,researcher; needs its passphrase)",
		Long: `Print an account's roles on this node, or set them. The roles (patient, researcher,
sponsor) are local settings of this node that choose which sections the UI shows;
they grant nothing. Setting them needs the account's passphrase.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: c.command(action{parse: func(args []string) (err error) {
			rolesOf, set = args[0], len(args) == 2
			if set {
				setRoles, err = marketplace.ParseRoles(args[1])
			}
			return err
		}, unlock: func([]string) *unlock {
			if !set {
				return nil // printing the roles needs no passphrase
			}
			return &unlock{name: rolesOf}
		}, run: func(ctx context.Context, a *app.App, who account) error {
			if !set {
				return printRoles(ctx, c, a, rolesOf)
			}
			rs, err := a.SetAccountRoles(ctx, who.actor(), setRoles)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(c.stdout, rs)
			return err
		}}),
	}

	var importName, keyFile string
	var key []byte
	importCmd := &cobra.Command{
		Use:   "import --name NAME --key FILE",
		Short: "Import a key: a keystore v3 JSON file (geth, MetaMask) or a file holding a hex private key",
		Long: `Import a key and print its address. A keystore v3 JSON file keeps the passphrase it
was encrypted with (give that passphrase); a hex private key is encrypted with the
passphrase you give.`,
		Args: cobra.NoArgs,
		RunE: c.command(action{parse: func([]string) (err error) {
			if key, err = os.ReadFile(keyFile); err != nil {
				return marketplace.Wrap(marketplace.EINVALID, err, "--key: cannot read %s", keyFile)
			}
			return nil
		}, unlock: func([]string) *unlock {
			return &unlock{name: importName, prompt: "Passphrase of the key: "}
		}, run: func(ctx context.Context, a *app.App, who account) error {
			acct, err := a.ImportAccount(ctx, who.name, key, who.passphrase)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(c.stdout, acct.Address.Hex())
			return err
		}}),
	}
	importCmd.Flags().StringVar(&importName, "name", "", "name to use the account by (--as NAME)")
	importCmd.Flags().StringVar(&keyFile, "key", "", "the key file")
	importCmd.MarkFlagRequired("name")
	importCmd.MarkFlagRequired("key")

	var asJSON bool
	listCmd := &cobra.Command{
		Use:   "list",
		Short: "List the accounts with their balances",
		Args:  cobra.NoArgs,
		RunE: c.command(action{run: func(ctx context.Context, a *app.App, _ account) error {
			st, err := a.ChainStatus(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c, accountsOut(st.Accounts))
			}
			w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			for _, acct := range st.Accounts {
				fmt.Fprintf(w, "%s\t%s\t%s ETH\n", acct.Name, acct.Address.Hex(), formatEther(acct.Wei))
			}
			return w.Flush()
		}}),
	}
	listCmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(newCmd, importCmd, listCmd, rolesCmd)
	return cmd
}

// printRoles prints the roles of the account named name.
func printRoles(ctx context.Context, c *cli, a *app.App, name string) error {
	accts, err := a.Accounts(ctx)
	if err != nil {
		return err
	}
	for _, acct := range accts {
		if acct.Name == name {
			roles, err := a.AccountRoles(ctx, acct.Address)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(c.stdout, roles)
			return err
		}
	}
	return marketplace.Errorf(marketplace.ENOTFOUND, "No account named %q.", name)
}

// accountOut is an account as `account list --json` prints it.
type accountOut struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Balance string `json:"balance"` // ether, decimal
}

// accountsOut is accts as the account and chain commands print them.
func accountsOut(accts []app.AccountBalance) []accountOut {
	out := make([]accountOut, 0, len(accts))
	for _, a := range accts {
		out = append(out, accountOut{Name: a.Name, Address: a.Address.Hex(), Balance: formatEther(a.Wei)})
	}
	return out
}

// writeJSON prints v as indented JSON: the --json output of every command.
func writeJSON(c *cli, v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
