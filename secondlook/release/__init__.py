"""Release: publishing an approved revision to Facebook and X, the manual Class Dojo
export, channel credentials, takedowns after consent changes, scheduling and the
policy-review report. Above the workflow: it reads approved drafts, never edits them.
"""
