"""Local fakes of the channel APIs, served on loopback for the release tests."""
