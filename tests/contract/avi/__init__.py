"""Contract tests of mock_avi with avisdk and the Avi 30.2.1 schema."""
