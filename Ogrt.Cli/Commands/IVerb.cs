using System.CommandLine;

namespace Ogrt.Cli.Commands;

/// <summary>One `ogrt` verb: builds its System.CommandLine command, options and action.</summary>
internal interface IVerb
{
    Command Create();
}
