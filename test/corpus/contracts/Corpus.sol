// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// Test-only contracts for the classification corpus (test/corpus). They are minimal stand-ins
/// that move value exactly as the real protocols do from a wallet's point of view (same transfers,
/// same event signatures); they are not those protocols.

/// A lock-and-release bridge: deposits lock value for a recipient, a relayer releases it (less
/// its fee) — here on the same chain, standing for the other side of a bridge.
contract Bridge {
    event Deposited(address indexed from, address indexed to, address token, uint256 amount);

    receive() external payable {}

    function deposit(address to) external payable {
        emit Deposited(msg.sender, to, address(0), msg.value);
    }

    function depositToken(address token, address to, uint256 amount) external {
        IERC20(token).transferFrom(msg.sender, address(this), amount);
        emit Deposited(msg.sender, to, token, amount);
    }

    function release(address payable to, uint256 amount) external {
        (bool ok, ) = to.call{value: amount}("");
        require(ok, "release failed");
    }

    function releaseToken(address token, address to, uint256 amount) external {
        IERC20(token).transfer(to, amount);
    }
}

/// A shop that takes payments and refunds them.
contract Shop {
    receive() external payable {}

    function buy() external payable {}

    function refund(address payable to, uint256 amount) external {
        (bool ok, ) = to.call{value: amount}("");
        require(ok, "refund failed");
    }
}

/// A reward distributor: `claim()` pays the caller the amount set for it.
contract Distributor {
    IERC20 public immutable token;
    mapping(address => uint256) public owed;

    constructor(IERC20 token_) {
        token = token_;
    }

    function set(address who, uint256 amount) external {
        owed[who] = amount;
    }

    function claim() external {
        uint256 amount = owed[msg.sender];
        owed[msg.sender] = 0;
        token.transfer(msg.sender, amount);
    }
}

/// An interest-bearing receipt token minted and burnt by its pool.
contract ReceiptToken is ERC20 {
    address public immutable pool;

    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {
        pool = msg.sender;
    }

    function mint(address to, uint256 amount) external {
        require(msg.sender == pool, "pool only");
        _mint(to, amount);
    }

    function burn(address from, uint256 amount) external {
        require(msg.sender == pool, "pool only");
        _burn(from, amount);
    }
}

/// Aave V3's Pool as a wallet sees it: `supply` moves the asset to the receipt token's contract
/// and mints the receipt; `withdraw` burns receipts and pays the asset back (with what it earned),
/// emitting Aave V3's own `Supply` and `Withdraw` events.
contract LendingPool {
    event Supply(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint16 indexed referralCode);
    event Withdraw(address indexed reserve, address indexed user, address indexed to, uint256 amount);

    IERC20 public immutable asset;
    ReceiptToken public immutable receipt;

    constructor(IERC20 asset_) {
        asset = asset_;
        receipt = new ReceiptToken("Lent", "aTKN");
    }

    function supply(address reserve, uint256 amount, address onBehalfOf, uint16 referralCode) external {
        require(reserve == address(asset), "reserve");
        asset.transferFrom(msg.sender, address(this), amount);
        receipt.mint(onBehalfOf, amount);
        emit Supply(reserve, msg.sender, onBehalfOf, amount, referralCode);
    }

    function withdraw(address reserve, uint256 amount, address to) external returns (uint256) {
        require(reserve == address(asset), "reserve");
        uint256 held = receipt.balanceOf(msg.sender);
        receipt.burn(msg.sender, held < amount ? held : amount);
        asset.transfer(to, amount);
        emit Withdraw(reserve, msg.sender, to, amount);
        return amount;
    }
}

/// Lido's stETH as a wallet sees a stake: ETH sent to it mints the same amount of stETH.
contract StakedEther is ERC20 {
    event Submitted(address indexed sender, uint256 amount, address referral);

    constructor() ERC20("Liquid staked Ether", "stETH") {}

    function submit(address referral) public payable returns (uint256) {
        _mint(msg.sender, msg.value);
        emit Submitted(msg.sender, msg.value, referral);
        return msg.value;
    }

    receive() external payable {
        submit(address(0));
    }
}

/// An airdrop-scam token whose symbol advertises a site.
contract SpamToken is ERC20 {
    constructor() ERC20("Claim your reward", "Visit claim-usdc.com") {
        _mint(msg.sender, 1e24);
    }
}
