package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

func newAccountCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "account",
		Short: "Manage the node's accounts (keys encrypted in the data dir's keystore)",
	}
	var name string
	newCmd := &cobra.Command{
		Use:   "new --name NAME",
		Short: "Create an account and print its address",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			pass, err := c.passphrase("Passphrase for the new account: ", true)
			if err != nil {
				return err
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				acct, err := a.CreateAccount(cmd.Context(), name, pass)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(c.stdout, acct.Address.Hex())
				return err
			})
		},
	}
	newCmd.Flags().StringVar(&name, "name", "", "name to use the account by (--as NAME)")
	newCmd.MarkFlagRequired("name")

	var importName, keyFile string
	importCmd := &cobra.Command{
		Use:   "import --name NAME --key FILE",
		Short: "Import a key: a keystore v3 JSON file (geth, MetaMask) or a file holding a hex private key",
		Long: `Import a key and print its address. A keystore v3 JSON file keeps the passphrase it
was encrypted with (give that passphrase); a hex private key is encrypted with the
passphrase you give.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := os.ReadFile(keyFile)
			if err != nil {
				return marketplace.Wrap(marketplace.EINVALID, err, "--key: cannot read %s", keyFile)
			}
			pass, err := c.passphrase("Passphrase of the key: ", false)
			if err != nil {
				return err
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				acct, err := a.ImportAccount(cmd.Context(), importName, key, pass)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(c.stdout, acct.Address.Hex())
				return err
			})
		},
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
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withApp(cmd.Context(), func(a *app.App) error {
				st, err := a.ChainStatus(cmd.Context())
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(c, accountsJSON(st.Accounts))
				}
				w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
				for _, acct := range st.Accounts {
					fmt.Fprintf(w, "%s\t%s\t%s ETH\n", acct.Name, acct.Address.Hex(), formatEther(acct.Wei))
				}
				return w.Flush()
			})
		},
	}
	listCmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(newCmd, importCmd, listCmd)
	return cmd
}

type accountJSON struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Balance string `json:"balance"` // ether, decimal
}

func accountsJSON(accts []app.AccountBalance) []accountJSON {
	out := make([]accountJSON, 0, len(accts))
	for _, a := range accts {
		out = append(out, accountJSON{Name: a.Name, Address: a.Address.Hex(), Balance: formatEther(a.Wei)})
	}
	return out
}

func writeJSON(c *cli, v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
