/** The first screen: what modcarry is and where the work starts. */
export function App() {
  return (
    <main>
      <h1>modcarry</h1>
      <p>Download Go modules through a GOPROXY, verify them like the go command, and carry a ready module cache across an air gap.</p>
    </main>
  );
}
