/// fairlab's own version, stored with every run in a results file.
public let fairlabVersion = "0.1.0"
