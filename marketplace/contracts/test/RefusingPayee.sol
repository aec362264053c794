// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IPoolPayouts {
    function withdraw() external;
}

/// Test only: a pool contributor whose receive() reverts until told to accept, to exercise the
/// pull fallback of PoolPayouts.claim.
contract RefusingPayee {
    bool public accepting;

    function setAccepting(bool a) external {
        accepting = a;
    }

    function withdrawFrom(IPoolPayouts pool) external {
        pool.withdraw();
    }

    receive() external payable {
        require(accepting, "refusing payment");
    }
}
