"""The loopback robot endpoint (WeCom, DingTalk, Feishu) the demo uses, for the tests: one implementation."""

from monitor.demo.robots import RATE_LIMITED, Received, RobotEndpoint, robot_endpoint

__all__ = ["RATE_LIMITED", "Received", "RobotEndpoint", "robot_endpoint"]
