// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DataLicenseMarket} from "./DataLicenseMarket.sol";

/// @title PoolPayouts: a patient pool's sale revenue, shared by a cumulative Merkle drop.
///
/// @notice One contract per pool, bound to one DataLicenseMarket (`market`, fixed at deployment).
/// The contract is the SELLER of the pool's listings: the operator lists, delists and reprices
/// through it (`commit`, `list`, `delist`, `setPrice`, which forward to the market with this
/// contract as the sender), so the market credits every sale to this contract, and `collect`,
/// which anyone may call, pulls that balance from the market into it. No operator ever holds the
/// pool's revenue, so none has to be trusted to forward it; what the operator still decides is
/// what is listed, at which price, and the rounds. The commitment of a listing is
/// keccak256(abi.encode(address(this), contentHash, salt)): the seller is this contract. The
/// market's own events (`Committed`, `Listed` with seller = this contract, `Delisted`,
/// `PriceChanged`, `Withdrawn`) record the forwarded calls; the pool adds none. Operator and market
/// are fixed at deployment; a node trusts a pool only if `market()` is the market it indexes.
/// `collect` cannot be turned against the pool: the market zeroes the pool's balance before paying
/// it, and `receive` makes no call, so a collect re-entered from any payment (a seller's withdraw,
/// a contributor's claim) finds nothing left to move twice.
///
/// Sale revenue arrives as plain ether (`receive`), from the market on `collect` or from anyone
/// else (a deposit). Per payout round the operator posts one Merkle root of CUMULATIVE entitlements
/// (every contributor's total share since the pool began) and the total of them; each contributor
/// is paid the difference between its entitlement and what it was already paid, with a proof.
/// Posting a round costs the same whatever the number of contributors; a claim costs one proof's
/// hashing (log2 of the contributors) and two storage writes.
///
/// Leaves are OpenZeppelin's standard-merkle-tree leaves:
/// keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount)))); the double hash keeps a
/// leaf (64 bytes hashed twice) from ever equalling an inner node (64 bytes hashed once). Inner nodes
/// hash their two children in sorted order, so a proof is the list of siblings alone. The Go side
/// (marketplace/pools) builds the same tree from the same entitlements.
///
/// Anyone may claim on a contributor's behalf (a hub for its offline patients): the money always
/// goes to the contributor. A contributor that refuses the transfer (a contract whose receive
/// reverts) does not block anyone: its amount is credited to `owed` and it pulls it with `withdraw`.
///
/// Funding: a round's total must be covered by what the contract received through `receive` (which
/// equals its balance plus everything paid out), so every posted entitlement is backed by ether;
/// sales count once collected. Ether forced in without a call (self-destruct, block rewards) is not
/// counted.
/// The contract cannot check that the leaves sum to the posted total (nodes recompute the tree from
/// chain events and the pool log for that); if an operator's leaves exceed it, a claim the balance
/// cannot cover fails its transfer like a refusing recipient's and is credited to `owed`.
contract PoolPayouts {
    // The market and the operator are immutable (in the bytecode: checking them costs no storage
    // access). Storage is packed so that after deployment only the first root and each account's
    // first claim write a fresh slot (20,000 gas rather than 2,900): totalReceived, cumulativeTotal
    // and nextRound share one slot, read and written once by postRound, and the constructor makes
    // it non-zero (nextRound starts at 1). uint96 holds 79 billion ether, far more than exists.

    /// The market the pool sells on.
    DataLicenseMarket public immutable market;
    /// The account that posts rounds and manages the pool's listings.
    address public immutable operator;
    /// The Merkle root of the current round's cumulative entitlements (zero before the first round).
    bytes32 public root;
    /// Wei received through `receive` since deployment.
    uint96 public totalReceived;
    /// The sum of the current round's cumulative entitlements (at most totalReceived).
    uint96 public cumulativeTotal;
    /// The number the next round gets: rounds posted + 1 (see `round`).
    uint64 internal nextRound;
    /// Cumulative wei each account was paid or credited by claims.
    mapping(address account => uint256) public claimed;
    /// Wei each account may pull with `withdraw` (claims whose transfer it refused).
    mapping(address account => uint256) public owed;

    event Received(address indexed from, uint256 amount);
    event RoundPosted(uint64 indexed round, bytes32 root, uint256 cumulativeTotal);
    event Claimed(address indexed account, uint256 amount, uint256 cumulativeAmount);
    /// A claim's transfer failed: `amount` is credited to `owed[account]`.
    event PaymentDeferred(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);

    error NotOperator(address caller);
    error InvalidOperator();
    /// The market address given to the constructor holds no contract.
    error InvalidMarket();
    /// `collect` when the market holds no sale revenue for the pool.
    error NothingToCollect();
    error InvalidRoot();
    /// A round's total below the current one's: entitlements are cumulative.
    error TotalDecreased(uint256 current, uint256 given);
    /// A round's total above the ether received (`funded`).
    error Underfunded(uint256 cumulativeTotal, uint256 funded);
    error NoRound();
    error InvalidProof(address account, uint256 cumulativeAmount);
    /// The account was already paid `claimedAmount`, at least `cumulativeAmount`.
    error NothingToClaim(address account, uint256 cumulativeAmount, uint256 claimedAmount);
    error NothingOwed(address account);
    error TransferFailed(address to, uint256 amount);

    constructor(address operator_, DataLicenseMarket market_) {
        if (operator_ == address(0)) revert InvalidOperator();
        if (address(market_).code.length == 0) revert InvalidMarket();
        operator = operator_;
        market = market_;
        nextRound = 1;
    }

    /// The number of rounds posted; the current round's number (0 before the first).
    function round() external view returns (uint64) {
        return nextRound - 1;
    }

    /// Sale revenue (or any deposit) for the pool's contributors.
    receive() external payable {
        unchecked {
            // bounded by the ether supply, far below 2^96 wei (on a chain minting more, the count
            // would wrap low: rounds would be refused as underfunded, never paid twice)
            totalReceived += uint96(msg.value);
        }
        emit Received(msg.sender, msg.value);
    }

    /// Commits a listing of the pool on the market (DataLicenseMarket.commit): `commitment` is
    /// keccak256(abi.encode(address(this), contentHash, salt)). The operator only.
    function commit(bytes32 commitment) external {
        _onlyOperator();
        market.commit(commitment);
    }

    /// Lists a version of the pool's dataset on the market with this contract as its seller, in a
    /// block after its `commit`, and returns the listing id (arguments as DataLicenseMarket.list).
    /// The operator only.
    function list(
        bytes32 contentHash,
        bytes32 salt,
        uint256 price,
        uint256 terms,
        bytes32 metadataHash,
        string calldata provider
    ) external returns (uint256 id) {
        _onlyOperator();
        return market.list(contentHash, salt, price, terms, metadataHash, provider);
    }

    /// Stops new sales of the pool's listing `id` (DataLicenseMarket.delist). The operator only.
    function delist(uint256 id) external {
        _onlyOperator();
        market.delist(id);
    }

    /// Changes the price of the pool's listing `id` (DataLicenseMarket.setPrice). The operator only.
    function setPrice(uint256 id, uint256 price) external {
        _onlyOperator();
        market.setPrice(id, price);
    }

    /// Pulls the pool's sale revenue from the market into this contract (it arrives through
    /// `receive` and counts in `totalReceived`) and returns the amount. Anyone may call: the money
    /// can only go to the pool. With nothing to collect it reverts `NothingToCollect` rather than
    /// spending gas on a no-op.
    function collect() external returns (uint256 amount) {
        amount = market.withdrawable(address(this));
        if (amount == 0) revert NothingToCollect();
        market.withdraw();
    }

    /// Posts a new round: `newRoot` is the root of every contributor's cumulative entitlement,
    /// `total` their sum. The operator only; `total` must not decrease and must be funded.
    function postRound(bytes32 newRoot, uint256 total) external {
        if (msg.sender != operator) revert NotOperator(msg.sender);
        if (newRoot == bytes32(0)) revert InvalidRoot();
        // totalReceived, cumulativeTotal and nextRound share a slot: read it once, write it once.
        uint256 funded;
        uint256 current;
        uint256 r;
        assembly ("memory-safe") {
            let packed := sload(totalReceived.slot)
            funded := and(shr(shl(3, totalReceived.offset), packed), 0xffffffffffffffffffffffff)
            current := and(shr(shl(3, cumulativeTotal.offset), packed), 0xffffffffffffffffffffffff)
            r := and(shr(shl(3, nextRound.offset), packed), 0xffffffffffffffff) // this round's number
        }
        if (total < current) revert TotalDecreased(current, total);
        if (total > funded) revert Underfunded(total, funded);
        root = newRoot;
        assembly ("memory-safe") {
            // total <= funded < 2^96
            sstore(
                totalReceived.slot,
                or(
                    or(shl(shl(3, totalReceived.offset), funded), shl(shl(3, cumulativeTotal.offset), total)),
                    shl(shl(3, nextRound.offset), add(r, 1)) // < 2^64 rounds
                )
            )
        }
        emit RoundPosted(uint64(r), newRoot, total);
    }

    /// Pays `account` its `cumulativeAmount` minus what it was already paid, given the proof of its
    /// leaf in the current round's tree. Anyone may call; the money goes to `account` only.
    function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external {
        bytes32 node = root;
        if (node == bytes32(0)) revert NoRound();
        if (!_verify(proof, node, _leaf(account, cumulativeAmount))) revert InvalidProof(account, cumulativeAmount);
        uint256 already = claimed[account];
        if (cumulativeAmount <= already) revert NothingToClaim(account, cumulativeAmount, already);
        uint256 amount;
        unchecked {
            amount = cumulativeAmount - already;
        }
        claimed[account] = cumulativeAmount;
        emit Claimed(account, amount, cumulativeAmount);
        bool ok;
        assembly ("memory-safe") {
            // all gas, no return data copied: a recipient cannot make the claim pay for its output
            ok := call(gas(), account, amount, 0, 0, 0, 0)
        }
        if (!ok) {
            unchecked {
                owed[account] += amount; // bounded by the ether supply
            }
            emit PaymentDeferred(account, amount);
        }
    }

    /// Pays the sender what its refused claims credited to it.
    function withdraw() external {
        uint256 amount = owed[msg.sender];
        if (amount == 0) revert NothingOwed(msg.sender);
        owed[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed(msg.sender, amount);
    }

    function _onlyOperator() internal view {
        if (msg.sender != operator) revert NotOperator(msg.sender);
    }

    /// The leaf of an entitlement: keccak256(bytes.concat(keccak256(abi.encode(account, amount)))),
    /// hashed in scratch memory.
    function _leaf(address account, uint256 amount) internal pure returns (bytes32 leaf) {
        assembly ("memory-safe") {
            mstore(0x00, account)
            mstore(0x20, amount)
            mstore(0x00, keccak256(0x00, 0x40))
            leaf := keccak256(0x00, 0x20)
        }
    }

    /// Whether `proof` leads from `leaf` to `expected`, hashing each pair in sorted order
    /// (keccak256(abi.encode(min, max)), in scratch memory).
    function _verify(bytes32[] calldata proof, bytes32 expected, bytes32 leaf) internal pure returns (bool ok) {
        assembly ("memory-safe") {
            let h := leaf
            let end := add(proof.offset, shl(5, proof.length))
            for { let p := proof.offset } lt(p, end) { p := add(p, 0x20) } {
                let s := calldataload(p)
                switch lt(s, h)
                case 0 {
                    mstore(0x00, h)
                    mstore(0x20, s)
                }
                default {
                    mstore(0x00, s)
                    mstore(0x20, h)
                }
                h := keccak256(0x00, 0x40)
            }
            ok := eq(h, expected)
        }
    }
}
