# The kata suite's pytest machinery lives in nn/suite/plugin.py: --impl, the hypothesis
# profiles, one marker per kata, isolation between katas and the learner-facing reports.
pytest_plugins = ["nn.suite.plugin"]
