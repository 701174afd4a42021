using System.Runtime.CompilerServices;

// Every P/Invoke in this library takes only blittable arguments, so no marshalling stubs are
// generated: smaller image, less work at first call.
[assembly: DisableRuntimeMarshalling]
[assembly: InternalsVisibleTo("Ogrt.Agent.Tests")]
[assembly: InternalsVisibleTo("ogrt-agent-service")]
