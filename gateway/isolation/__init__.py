"""Work on hostile content in a child process with memory and time limits."""
