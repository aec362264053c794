// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title TrialRegistry: clinical trial protocols and the checkpoints of their audit logs.
///
/// @notice A sponsor registers a trial by the hash of its protocol document, amends the protocol by
/// hash, and anchors checkpoints of the trial's append-only Merkle log (RFC 6962: tree size and root
/// hash). Anyone can then check an offline log against the anchored roots. The log's tree size never
/// shrinks: every anchor must grow the tree, so two different roots can never be anchored for one size.
///
/// The log's verifier key (a C2SP signed-note verifier key, `name+hash+base64`, whose name is the log's
/// checkpoint origin) is fixed at registration, before the log holds any entry: the key itself is in the
/// TrialRegistered event, its SHA-256 in storage. An auditor takes the key from the chain, so an export
/// re-signed with another key fails, and every checkpoint ever signed, anchored or not, is checked with it.
contract TrialRegistry {
    /// One storage slot for the fields an anchor rewrites, plus the root and the protocol.
    struct Trial {
        address sponsor; // zero = not registered
        uint64 treeSize; // size of the last anchored tree; 0 = nothing anchored yet
        uint32 anchoredAt; // unix seconds of the last anchor (fits until 2106)
        bytes32 rootHash; // root of the last anchored tree
        bytes32 protocolHash; // hash of the current protocol document
        bytes32 logKeyHash; // SHA-256 of the log's verifier key (the key is in TrialRegistered)
    }

    mapping(bytes32 trialId => Trial) internal trials;

    event TrialRegistered(bytes32 indexed trialId, address indexed sponsor, bytes32 protocolHash, string logKey);
    event ProtocolAmended(bytes32 indexed trialId, bytes32 protocolHash);
    event CheckpointAnchored(bytes32 indexed trialId, uint64 treeSize, bytes32 rootHash);

    error TrialExists(bytes32 trialId, address sponsor);
    error UnknownTrial(bytes32 trialId);
    error NotSponsor(bytes32 trialId, address caller);
    error InvalidProtocolHash();
    error InvalidLogKey();
    error TreeNotGrown(bytes32 trialId, uint64 latestSize, uint64 treeSize);

    /// Registers trial `trialId` with the hash of its protocol document and the verifier key of its log
    /// (1 to 512 bytes; the contract does not parse it); the sender becomes its sponsor.
    function register(bytes32 trialId, bytes32 protocolHash, string calldata logKey) external {
        if (protocolHash == bytes32(0)) revert InvalidProtocolHash();
        uint256 keyLength = bytes(logKey).length;
        if (keyLength == 0 || keyLength > 512) revert InvalidLogKey();
        Trial storage t = trials[trialId];
        address sponsor = t.sponsor;
        if (sponsor != address(0)) revert TrialExists(trialId, sponsor);
        t.sponsor = msg.sender;
        t.protocolHash = protocolHash;
        t.logKeyHash = sha256(bytes(logKey));
        emit TrialRegistered(trialId, msg.sender, protocolHash, logKey);
    }

    /// Replaces the protocol hash of `trialId` after an amendment. Sponsor only.
    function amend(bytes32 trialId, bytes32 protocolHash) external {
        if (protocolHash == bytes32(0)) revert InvalidProtocolHash();
        Trial storage t = _sponsoredBySender(trialId);
        t.protocolHash = protocolHash;
        emit ProtocolAmended(trialId, protocolHash);
    }

    /// Anchors a checkpoint of `trialId`'s log. Sponsor only; `treeSize` must exceed the last anchor's.
    function anchor(bytes32 trialId, uint64 treeSize, bytes32 rootHash) external {
        Trial storage t = _sponsoredBySender(trialId);
        uint64 latestSize = t.treeSize;
        if (treeSize <= latestSize) revert TreeNotGrown(trialId, latestSize, treeSize);
        t.treeSize = treeSize;
        t.anchoredAt = uint32(block.timestamp);
        t.rootHash = rootHash;
        emit CheckpointAnchored(trialId, treeSize, rootHash);
    }

    /// The last anchored checkpoint of `trialId` (all zero before the first anchor).
    function latest(bytes32 trialId) external view returns (uint64 treeSize, bytes32 rootHash, uint32 anchoredAt) {
        Trial storage t = trials[trialId];
        if (t.sponsor == address(0)) revert UnknownTrial(trialId);
        return (t.treeSize, t.rootHash, t.anchoredAt);
    }

    /// The sponsor, current protocol hash and log key hash of `trialId`; a zero sponsor means not registered.
    function trial(bytes32 trialId) external view returns (address sponsor, bytes32 protocolHash, bytes32 logKeyHash) {
        Trial storage t = trials[trialId];
        return (t.sponsor, t.protocolHash, t.logKeyHash);
    }

    function _sponsoredBySender(bytes32 trialId) private view returns (Trial storage t) {
        t = trials[trialId];
        address sponsor = t.sponsor;
        if (sponsor == address(0)) revert UnknownTrial(trialId);
        if (sponsor != msg.sender) revert NotSponsor(trialId, msg.sender);
    }
}
