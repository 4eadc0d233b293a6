// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Moves ETH with internal calls, so wallets receive value no transaction sent them directly.
contract Forwarder {
    error PayoutFailed(address to);

    receive() external payable {}

    /// Sends all of `msg.value` to `to`.
    function forward(address payable to) external payable {
        _pay(to, msg.value);
    }

    /// Sends half of `msg.value` to `a` and the rest to `b`.
    function split(address payable a, address payable b) external payable {
        uint256 half = msg.value / 2;
        _pay(a, half);
        _pay(b, msg.value - half);
    }

    /// Pays `to` inside a call that then reverts (caught): `to` ends up with nothing.
    function payThenRevert(address payable to) external payable {
        try this.payAndRevert(to, msg.value) {} catch {}
    }

    function payAndRevert(address payable to, uint256 amount) external {
        require(msg.sender == address(this), "internal");
        _pay(to, amount);
        revert("undone");
    }

    /// Always reverts (a failed transaction that still pays gas).
    function fail() external payable {
        revert("nope");
    }

    function _pay(address payable to, uint256 amount) private {
        (bool ok, ) = to.call{value: amount}("");
        if (!ok) revert PayoutFailed(to);
    }
}
