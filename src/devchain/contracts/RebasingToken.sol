// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A stETH-style rebasing token for the dev chain: balances are shares × index, and `rebase`
/// changes the index without any event, so every holder's balance moves with no Transfer.
contract RebasingToken {
    event Transfer(address indexed from, address indexed to, uint256 value);

    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    /// Balance per share, scaled by 1e18 (starts at 1.0).
    uint256 public index = 1e18;
    uint256 public totalShares;
    mapping(address => uint256) public sharesOf;

    constructor(string memory name_, string memory symbol_) {
        name = name_;
        symbol = symbol_;
    }

    function balanceOf(address account) external view returns (uint256) {
        return (sharesOf[account] * index) / 1e18;
    }

    function totalSupply() external view returns (uint256) {
        return (totalShares * index) / 1e18;
    }

    function mint(address to, uint256 amount) external {
        uint256 shares = (amount * 1e18) / index;
        sharesOf[to] += shares;
        totalShares += shares;
        emit Transfer(address(0), to, amount);
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        uint256 shares = (amount * 1e18) / index;
        sharesOf[msg.sender] -= shares;
        sharesOf[to] += shares;
        emit Transfer(msg.sender, to, amount);
        return true;
    }

    /// Sets the balance per share (1e18 = 1.0): 1.01e18 grows every balance by 1 %. No event.
    function rebase(uint256 newIndex) external {
        index = newIndex;
    }
}
