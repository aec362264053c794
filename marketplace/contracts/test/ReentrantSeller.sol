// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IMarket {
    function commit(bytes32 commitment) external;
    function list(
        bytes32 contentHash,
        bytes32 salt,
        uint256 price,
        uint256 terms,
        bytes32 metadataHash,
        string calldata provider
    ) external returns (uint256);
    function withdraw() external;
}

/// Test only: a seller contract whose receive() tries to withdraw again while being paid.
/// It swallows the re-entrant call's revert so the outer transfer succeeds, and records what happened.
contract ReentrantSeller {
    IMarket public immutable market;
    uint256 public received; // total wei received
    uint256 public reentries; // re-entrant withdraw attempts
    bool public reentrySucceeded;
    bytes public reentryError; // revert data of the re-entrant call

    constructor(IMarket m) {
        market = m;
    }

    function commit(bytes32 commitment) external {
        market.commit(commitment);
    }

    function list(bytes32 contentHash, bytes32 salt, uint256 price, uint256 terms) external returns (uint256) {
        return market.list(contentHash, salt, price, terms, bytes32(0), "http://127.0.0.1:8080/");
    }

    function withdraw() external {
        market.withdraw();
    }

    receive() external payable {
        received += msg.value;
        if (reentries == 0) {
            reentries++;
            try market.withdraw() {
                reentrySucceeded = true;
            } catch (bytes memory err) {
                reentryError = err;
            }
        }
    }
}

/// Test only: a seller contract that refuses payment, to exercise TransferFailed.
contract RefusingSeller {
    IMarket public immutable market;

    constructor(IMarket m) {
        market = m;
    }

    function commit(bytes32 commitment) external {
        market.commit(commitment);
    }

    function list(bytes32 contentHash, bytes32 salt, uint256 price, uint256 terms) external returns (uint256) {
        return market.list(contentHash, salt, price, terms, bytes32(0), "http://127.0.0.1:8080/");
    }

    function withdraw() external {
        market.withdraw();
    }
}
