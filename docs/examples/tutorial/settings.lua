-- Settings for `rollbook connector run bluebird`: the local tutorial server and its key.
base_url = "http://127.0.0.1:8765"
api_key = env("BLUEBIRD_API_KEY")
per_page = 2
