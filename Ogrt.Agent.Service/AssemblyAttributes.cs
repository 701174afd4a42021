using System.Runtime.CompilerServices;

[assembly: DisableRuntimeMarshalling]
[assembly: InternalsVisibleTo("Ogrt.Agent.Tests")]
