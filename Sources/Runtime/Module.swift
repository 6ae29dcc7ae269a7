import OneRoster
