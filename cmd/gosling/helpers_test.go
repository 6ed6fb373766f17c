package main

// helpSection is the program's help section of a command.
func helpSection(name string) (synopsis, text string, ok bool) { return program.HelpSection(name) }
