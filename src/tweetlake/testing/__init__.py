"""Test helpers shipped with tweetlake: local servers that speak each platform's real protocol
on 127.0.0.1, so the live sources can be tried and tested offline."""
