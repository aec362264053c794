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
	var name, newRoles string
	newCmd := &cobra.Command{
		Use:   "new --name NAME [--roles patient,researcher,sponsor]",
		Short: "Create an account and print its address",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			roles, err := marketplace.ParseRoles(newRoles)
			if err != nil {
				return err
			}
			pass, err := c.passphrase("Passphrase for the new account: ", true)
			if err != nil {
				return err
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				acct, err := a.CreateAccount(cmd.Context(), name, pass, roles...)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(c.stdout, acct.Address.Hex())
				return err
			})
		},
	}
	newCmd.Flags().StringVar(&name, "name", "", "name to use the account by (--as NAME)")
	newCmd.Flags().StringVar(&newRoles, "roles", marketplace.AllRoles().String(), "the account's roles on this node, comma-separated: they choose the sections the UI shows")
	newCmd.MarkFlagRequired("name")

	rolesCmd := &cobra.Command{
		Use:   "roles NAME [ROLES]",
		Short: "Print an account's roles on this node, or set them (e.g. patient,researcher; needs its passphrase)",
		Long: `Print an account's roles on this node, or set them. The roles (patient, researcher,
sponsor) are local settings of this node that choose which sections the UI shows;
they grant nothing. Setting them needs the account's passphrase.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				return c.withApp(cmd.Context(), func(a *app.App) error {
					accts, err := a.Accounts(cmd.Context())
					if err != nil {
						return err
					}
					for _, acct := range accts {
						if acct.Name == args[0] {
							roles, err := a.AccountRoles(cmd.Context(), acct.Address)
							if err != nil {
								return err
							}
							_, err = fmt.Fprintln(c.stdout, roles)
							return err
						}
					}
					return marketplace.Errorf(marketplace.ENOTFOUND, "No account named %q.", args[0])
				})
			}
			roles, err := marketplace.ParseRoles(args[1])
			if err != nil {
				return err
			}
			pass, err := c.passphrase("Passphrase of "+args[0]+": ", false)
			if err != nil {
				return err
			}
			return c.withApp(cmd.Context(), func(a *app.App) error {
				rs, err := a.SetAccountRoles(cmd.Context(), app.ByAccount(args[0], pass), roles)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(c.stdout, rs)
				return err
			})
		},
	}

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
	cmd.AddCommand(newCmd, importCmd, listCmd, rolesCmd)
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
