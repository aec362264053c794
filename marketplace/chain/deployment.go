package chain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/marketplace"
)

// DeploymentsFile is the conventional name of the deployments file in a data
// directory, written by `medmarket chain deploy`.
const DeploymentsFile = "deployments.json"

// Deployment says where the marketplace's contracts live on one chain, so
// that a node pointed at the chain finds them and knows where to start
// indexing their events.
type Deployment struct {
	ChainID uint64 `json:"chainId"`
	// GenesisHash tells apart chains that share an id (every dev chain is
	// 1337); zero when unknown.
	GenesisHash common.Hash `json:"genesisHash,omitzero"`
	// Contracts maps a contract name ("DataLicenseMarket") to its address.
	Contracts map[string]common.Address `json:"contracts"`
	// DeployBlock is the block of the first deployment: no event of these
	// contracts is older, so indexing starts there.
	DeployBlock uint64 `json:"deployBlock"`
}

// Validate reports what is missing, as EINVALID.
func (d *Deployment) Validate() error {
	switch {
	case d == nil:
		return marketplace.Errorf(marketplace.EINVALID, "deployment required")
	case d.ChainID == 0:
		return marketplace.Errorf(marketplace.EINVALID, "deployment: chain id required")
	case len(d.Contracts) == 0:
		return marketplace.Errorf(marketplace.EINVALID, "deployment for chain %d: no contracts", d.ChainID)
	}
	for name, addr := range d.Contracts {
		if name == "" || addr == (common.Address{}) {
			return marketplace.Errorf(marketplace.EINVALID, "deployment for chain %d: contract %q has no address", d.ChainID, name)
		}
	}
	return nil
}

// Address returns the address of the named contract, ENOTFOUND if the
// deployment has none.
func (d *Deployment) Address(name string) (common.Address, error) {
	addr, ok := d.Contracts[name]
	if !ok {
		return common.Address{}, marketplace.Errorf(marketplace.ENOTFOUND,
			"no %s in the deployment for chain %d; deploy with: medmarket chain deploy", name, d.ChainID)
	}
	return addr, nil
}

// Check verifies the deployment against a live chain: same chain id, same
// genesis when recorded, code at every address. A dev chain restarted from
// scratch fails here with ENOTFOUND rather than later with empty calls.
func (d *Deployment) Check(ctx context.Context, c Chain) error {
	id, err := c.ChainID(ctx)
	if err != nil {
		return err
	}
	if !id.IsUint64() || id.Uint64() != d.ChainID {
		return marketplace.Errorf(marketplace.EINVALID, "deployment is for chain %d, %s serves chain %s", d.ChainID, c.Endpoint(), id)
	}
	if d.GenesisHash != (common.Hash{}) {
		g, err := c.HeaderByNumber(ctx, common.Big0)
		if err != nil {
			return err
		}
		if g.Hash() != d.GenesisHash {
			return marketplace.Errorf(marketplace.ENOTFOUND,
				"deployment is for another chain %d (genesis %s, %s has %s); deploy again with: medmarket chain deploy",
				d.ChainID, d.GenesisHash.Hex(), c.Endpoint(), g.Hash().Hex())
		}
	}
	names := make([]string, 0, len(d.Contracts))
	for name := range d.Contracts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		code, err := c.CodeAt(ctx, d.Contracts[name], nil)
		if err != nil {
			return err
		}
		if len(code) == 0 {
			return marketplace.Errorf(marketplace.ENOTFOUND, "no code for %s at %s on %s; deploy again with: medmarket chain deploy",
				name, d.Contracts[name].Hex(), c.Endpoint())
		}
	}
	return nil
}

// Deployments are the deployments recorded in one file, by chain id.
type Deployments map[uint64]*Deployment

// ReadDeployments reads the deployments file at path; a missing file gives
// an empty set and no error.
func ReadDeployments(path string) (Deployments, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Deployments{}, nil
	}
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "cannot read deployments file %s", path)
	}
	var file struct {
		Deployments []*Deployment `json:"deployments"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "deployments file %s is not valid JSON", path)
	}
	ds := Deployments{}
	for _, d := range file.Deployments {
		if err := d.Validate(); err != nil {
			return nil, marketplace.Wrap(marketplace.EINVALID, err, "deployments file %s: %s", path, marketplace.ErrorMessage(err))
		}
		ds[d.ChainID] = d
	}
	return ds, nil
}

// For returns the deployment on chainID, ENOTFOUND when there is none.
func (ds Deployments) For(chainID uint64) (*Deployment, error) {
	d, ok := ds[chainID]
	if !ok {
		return nil, marketplace.Errorf(marketplace.ENOTFOUND,
			"no contracts deployed on chain %d yet; deploy with: medmarket chain deploy", chainID)
	}
	return d, nil
}

// Put records d, replacing any deployment on the same chain.
func (ds Deployments) Put(d *Deployment) error {
	if err := d.Validate(); err != nil {
		return err
	}
	ds[d.ChainID] = d
	return nil
}

// Write stores the deployments at path atomically (a reader sees the old
// file or the new one, never half of one), ordered by chain id.
func (ds Deployments) Write(path string) error {
	ids := make([]uint64, 0, len(ds))
	for id := range ds {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var file struct {
		Deployments []*Deployment `json:"deployments"`
	}
	for _, id := range ids {
		file.Deployments = append(file.Deployments, ds[id])
	}
	data, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return marketplace.Wrap(marketplace.EINTERNAL, err, "cannot encode deployments")
	}
	if err := writeFileAtomic(path, append(data, '\n'), 0o644); err != nil {
		return marketplace.Wrap(marketplace.EINVALID, err, "cannot write deployments file %s", path)
	}
	return nil
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	return nil
}
